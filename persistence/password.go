package persistence

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// HashParams are the argon2id costs of new password hashes. Every hash records its own costs
// (PHC string format), so changing them later keeps existing passwords working.
type HashParams struct {
	Time    uint32 // passes over the memory, at least 1
	Memory  uint32 // KiB, at least 8 per thread
	Threads uint8  // lanes, at least 1
}

// DefaultHashParams returns OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 thread,
// about 30 ms per hash on one current core. Its modest memory keeps concurrent logins cheap
// (64 MiB per hash would invite memory exhaustion by login floods); on top of that, at most
// GOMAXPROCS hashes run at once.
func DefaultHashParams() HashParams { return HashParams{Time: 2, Memory: 19 * 1024, Threads: 1} }

func (p HashParams) validate() error {
	if p.Time < 1 || p.Threads < 1 || p.Memory < 8*uint32(p.Threads) {
		return fmt.Errorf("argon2id params %+v: need time >= 1, threads >= 1, memory >= 8 KiB per thread", p)
	}
	return nil
}

const (
	saltLen = 16
	keyLen  = 32
)

var b64 = base64.RawStdEncoding

// hasher hashes and verifies passwords with argon2id, bounding how many run at once: each
// holds Memory KiB while it runs.
type hasher struct {
	params HashParams
	slots  chan struct{}
	// dummy is verified when an email is unknown, so that an unknown email costs the same
	// time as a wrong password: a well-formed hash with this hasher's costs and random
	// salt and key, which no password matches.
	dummy string
}

func newHasher(p HashParams) *hasher {
	return &hasher{
		params: p,
		slots:  make(chan struct{}, runtime.GOMAXPROCS(0)),
		dummy:  encodeHash(p, randomBytes(saltLen), randomBytes(keyLen)),
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}

func encodeHash(p HashParams, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func (h *hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *hasher) release() { <-h.slots }

// hash returns password's PHC-encoded argon2id hash with a fresh random salt:
// $argon2id$v=19$m=<KiB>,t=<passes>,p=<threads>$<salt>$<key>, base64 without padding.
func (h *hasher) hash(ctx context.Context, password string) (string, error) {
	salt := randomBytes(saltLen)
	if err := h.acquire(ctx); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	defer h.release()
	p := h.params
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return encodeHash(p, salt, key), nil
}

// verify reports whether password matches encoded, comparing in constant time.
func (h *hasher) verify(ctx context.Context, encoded, password string) (bool, error) {
	p, salt, want, err := parseHash(encoded)
	if err != nil {
		return false, fmt.Errorf("verify password: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return false, fmt.Errorf("verify password: %w", err)
	}
	defer h.release()
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

var errBadHash = errors.New("malformed argon2id hash")

// parseHash decodes a hash written by hash, refusing costs no sane configuration produces.
func parseHash(encoded string) (p HashParams, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errBadHash
	}
	if p.validate() != nil || p.Memory > 4<<20 || p.Time > 64 {
		return p, nil, nil, errBadHash
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, errBadHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}
