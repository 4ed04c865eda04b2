import { useEffect, useState } from "preact/hooks";
import { ApiError, request } from "../api";

interface APIToken {
  id: string;
  name: string;
  scope: "read-only" | "read-write";
  createdAt: string;
  expiresAt: string;
}

const day = (iso: string) => new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });

/** Settings lists the user's personal API tokens, creates one (its secret shown once) and revokes them. */
export function Settings() {
  const [tokens, setTokens] = useState<APIToken[] | null>(null);
  const [name, setName] = useState("");
  const [scope, setScope] = useState<APIToken["scope"]>("read-only");
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState("");

  const load = () =>
    request<{ data: APIToken[] }>("GET", "/me/tokens")
      .then((r) => setTokens(r.data))
      .catch(() => setError("Cannot load your tokens right now."));
  useEffect(() => void load(), []);

  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message.charAt(0).toUpperCase() + e.message.slice(1) + "." : "Cannot reach the server.");

  async function create(e: Event) {
    e.preventDefault();
    setError("");
    try {
      const t = await request<APIToken & { token: string }>("POST", "/me/tokens", { name: name.trim(), scope });
      setSecret({ name: t.name, token: t.token });
      setName("");
      await load();
    } catch (err) {
      fail(err);
    }
  }

  async function revoke(t: APIToken) {
    setError("");
    try {
      await request("DELETE", `/me/tokens/${encodeURIComponent(t.id)}`);
      await load();
    } catch (err) {
      fail(err);
    }
  }

  return (
    <section class="settings">
      <h1>Settings</h1>
      <h2>Personal API tokens</h2>
      <p class="muted">A token lets a script use taskboard as you: read-only tokens read and stream, read-write ones also change boards.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {secret && (
        <div class="secret" role="status" data-testid="token-secret">
          <p>
            Your new token “{secret.name}”. Copy it now: it is not shown again.
          </p>
          <code>{secret.token}</code>
          <button type="button" onClick={() => void navigator.clipboard?.writeText(secret.token).catch(() => {})}>
            Copy
          </button>
        </div>
      )}
      {tokens === null && !error && <p class="loading">Loading…</p>}
      {tokens && (
        <table class="tokens" data-testid="tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scope</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} data-testid="token" data-token-id={t.id}>
                <td>{t.name}</td>
                <td>{t.scope}</td>
                <td>{day(t.createdAt)}</td>
                <td>{day(t.expiresAt)}</td>
                <td>
                  <button type="button" class="danger" aria-label={`Revoke ${t.name}`} onClick={() => void revoke(t)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
            {tokens.length === 0 && (
              <tr>
                <td colSpan={5} class="muted">
                  No tokens yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      <form class="inline" onSubmit={create}>
        <label for="token-name">Name</label>
        <input id="token-name" data-testid="token-name" value={name} required maxLength={100} onInput={(e) => setName(e.currentTarget.value)} placeholder="CI script" />
        <label for="token-scope">Scope</label>
        <select id="token-scope" value={scope} onChange={(e) => setScope(e.currentTarget.value as APIToken["scope"])}>
          <option value="read-only">read-only</option>
          <option value="read-write">read-write</option>
        </select>
        <button type="submit" class="primary" data-testid="token-create">
          Create token
        </button>
      </form>
    </section>
  );
}
