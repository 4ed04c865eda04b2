package persistence

import (
	"context"
	"strings"
	"testing"
)

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	h := newHasher(HashParams{Time: 1, Memory: 64, Threads: 1})
	good, err := h.hash(context.Background(), "password-1")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.verify(context.Background(), good, "password-1"); err != nil || !ok {
		t.Fatalf("verify(own hash) = %v, %v, want true", ok, err)
	}
	if ok, err := h.verify(context.Background(), h.dummy, "password-1"); err != nil || ok {
		t.Fatalf("verify(dummy) = %v, %v, want false, nil", ok, err)
	}
	parts := strings.Split(good, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	for name, bad := range map[string]string{
		"empty":          "",
		"bcrypt":         "$2a$10$abcdefghijklmnopqrstuu",
		"argon2i":        with(1, "argon2i"),
		"version":        with(2, "v=16"),
		"no params":      with(3, "m=64"),
		"huge memory":    with(3, "m=99999999,t=1,p=1"),
		"zero time":      with(3, "m=64,t=0,p=1"),
		"bad salt":       with(4, "!!"),
		"short key":      with(5, "AAAA"),
		"missing fields": strings.Join(parts[:5], "$"),
	} {
		if _, err := h.verify(context.Background(), bad, "password-1"); err == nil {
			t.Errorf("verify(%s: %q) accepted a malformed hash", name, bad)
		}
	}
}

// An unknown email must cost what a wrong password costs: the dummy hash Login verifies then
// carries the very costs, salt and key lengths of a real hash.
func TestDummyHashCostsLikeARealOne(t *testing.T) {
	for _, params := range []HashParams{DefaultHashParams(), {Time: 1, Memory: 64, Threads: 1}, {Time: 3, Memory: 4096, Threads: 2}} {
		h := newHasher(params)
		real, err := h.hash(context.Background(), "password-1")
		if err != nil {
			t.Fatal(err)
		}
		rp, rsalt, rkey, err := parseHash(real)
		if err != nil {
			t.Fatal(err)
		}
		dp, dsalt, dkey, err := parseHash(h.dummy)
		if err != nil {
			t.Fatalf("dummy hash %q: %v", h.dummy, err)
		}
		if dp != params || rp != params || len(dsalt) != len(rsalt) || len(dkey) != len(rkey) {
			t.Fatalf("dummy %+v (salt %d, key %d) vs real %+v (salt %d, key %d), want both %+v",
				dp, len(dsalt), len(dkey), rp, len(rsalt), len(rkey), params)
		}
	}
}
