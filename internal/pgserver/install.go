package pgserver

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// ErrNotInstalled is returned when initdb and postgres cannot be found.
var ErrNotInstalled = errors.New("PostgreSQL not installed: apt-get install postgresql")

// FindBinaries returns the directory holding initdb and postgres: dir if given, else that of
// initdb on PATH, else Debian's newest /usr/lib/postgresql/*/bin.
func FindBinaries(dir string) (string, error) {
	var dirs []string
	if dir != "" {
		dirs = append(dirs, dir)
	} else {
		if p, err := exec.LookPath("initdb"); err == nil {
			if p, err := filepath.EvalSymlinks(p); err == nil {
				dirs = append(dirs, filepath.Dir(p))
			}
		}
		debian, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
		slices.SortFunc(debian, func(a, b string) int { return cmp.Compare(version(b), version(a)) })
		dirs = append(dirs, debian...)
	}
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", ErrNotInstalled
}

// version is the PostgreSQL version of a Debian directory like /usr/lib/postgresql/15/bin.
func version(bin string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(bin)), 64)
	return v
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// RunAs returns whom initdb and postgres run as: nil for the current user, unless that is
// root, which both refuse; then the user postgres, or else nobody.
func RunAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err := strconv.ParseUint(u.Uid, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("user %s: uid %q: %w", name, u.Uid, err)
		}
		gid, err := strconv.ParseUint(u.Gid, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("user %s: gid %q: %w", name, u.Gid, err)
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("PostgreSQL refuses to run as root, and there is no user postgres or nobody to run it as")
}

// TempRoot creates a new temporary directory, named after prefix, for a server that runs
// as cred's user, and gives it to that user. That user must be able to reach it: if a parent
// of os.TempDir() is closed to others, it goes under /tmp. The caller removes it.
func TempRoot(prefix string, cred *syscall.Credential) (string, error) {
	base := os.TempDir()
	if cred != nil && !traversable(base) {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, prefix)
	if err != nil {
		return "", err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}

// makeRoot creates dir if it is missing and gives it to cred's user, who must be able to
// reach it.
func makeRoot(dir string, cred *syscall.Credential) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if cred == nil {
		return nil
	}
	if !traversable(filepath.Dir(dir)) {
		return fmt.Errorf("%s: the user postgres runs as (uid %d) cannot reach it: open its parents to others (chmod o+x)", dir, cred.Uid)
	}
	return os.Chown(dir, int(cred.Uid), int(cred.Gid))
}

// traversable reports whether every user may pass through dir and all its parents.
func traversable(dir string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		fi, err := os.Stat(dir)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return true
		}
		dir = parent
	}
}

// command prepares one of the server's programs to run as cred's user, in the server's
// directory, with a fixed environment: the C locale and UTC.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.root
	cmd.Env = []string{"LC_ALL=C", "TZ=UTC"}
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd
}

// DataDir is the server's data directory, in its root.
func (s *Server) DataDir() string { return filepath.Join(s.root, "data") }

// majorVersion reads the major version of PostgreSQL from the data directory.
func (s *Server) majorVersion() (int, error) {
	b, err := os.ReadFile(filepath.Join(s.DataDir(), "PG_VERSION"))
	if err != nil {
		return 0, err
	}
	major, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("PG_VERSION: %w", err)
	}
	return major, nil
}

// initdb creates the cluster: superuser postgres, trust authentication, UTF-8, no locale.
func (s *Server) initdb() error {
	out, err := s.command("initdb", "-D", s.DataDir(), "-U", superuser, "-A", "trust",
		"-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions").CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}
	return nil
}
