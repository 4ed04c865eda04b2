import { useState } from "preact/hooks";
import { ApiError, NetworkError } from "../api";
import { login, register } from "../app";

export function Login() {
  const [mode, setMode] = useState<"login" | "register">("login");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [signupOff, setSignupOff] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const email = String(f.get("email") ?? "");
    const password = String(f.get("password") ?? "");
    setBusy(true);
    setError("");
    try {
      if (mode === "login") await login(email, password);
      else await register(email, String(f.get("name") ?? ""), password);
    } catch (err) {
      if (err instanceof NetworkError) setError("Cannot reach the server. Check your connection and try again.");
      else if (err instanceof ApiError && mode === "register" && err.status === 404) {
        setSignupOff(true);
        setMode("login");
        setError("Sign-up is switched off on this server. Ask an owner to add you.");
      } else if (err instanceof ApiError) setError(err.message.charAt(0).toUpperCase() + err.message.slice(1) + ".");
      else setError("Something went wrong.");
    } finally {
      setBusy(false);
    }
  }

  const registering = mode === "register";
  return (
    <section class="auth">
      <h1>{registering ? "Create your account" : "Sign in to taskboard"}</h1>
      <form onSubmit={submit} class="stack">
        {registering && (
          <label>
            Name
            <input name="name" autoComplete="name" required maxLength={100} />
          </label>
        )}
        <label>
          Email
          <input data-testid="login-email" name="email" type="email" autoComplete="username" required />
        </label>
        <label>
          Password
          <input
            data-testid="login-password"
            name="password"
            type="password"
            autoComplete={registering ? "new-password" : "current-password"}
            required
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button data-testid="login-submit" type="submit" class="primary" disabled={busy}>
          {registering ? "Create account" : "Sign in"}
        </button>
      </form>
      {!signupOff && (
        <p class="switch">
          {registering ? "Already have an account? " : "New here? "}
          <button
            type="button"
            class="link"
            onClick={() => {
              setError("");
              setMode(registering ? "login" : "register");
            }}
          >
            {registering ? "Sign in" : "Create an account"}
          </button>
        </p>
      )}
    </section>
  );
}
