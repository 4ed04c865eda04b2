package pgtest

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// pristine is a data directory fresh from initdb that servers copy instead of running initdb,
// which takes several times longer. It lives while Run runs the tests, and Run removes it.
var pristine struct {
	sync.Mutex
	enabled bool   // Run is running the tests
	root    string // holds the directory, data; "" until first use
	bin     string // whose initdb made it
}

// initData creates the server's data directory: a copy of the pristine one while Run runs the
// tests, else with initdb.
func (s *Server) initData() error {
	src, err := s.pristineDir()
	if err != nil || src == "" {
		return err
	}
	return copyDir(src, s.dataDir(), s.cred)
}

// pristineDir returns the pristine data directory, creating it on first use. Without Run, or
// for other binaries than the first, it runs initdb for s and returns "".
func (s *Server) pristineDir() (string, error) {
	pristine.Lock()
	defer pristine.Unlock()
	if !pristine.enabled || (pristine.bin != "" && pristine.bin != s.bin) {
		return "", s.initdb()
	}
	if pristine.root == "" {
		root, err := makeRoot(s.cred)
		if err != nil {
			return "", err
		}
		tmpl := &Server{bin: s.bin, root: root, cred: s.cred}
		if err := tmpl.initdb(); err != nil {
			os.RemoveAll(root)
			return "", err
		}
		pristine.root, pristine.bin = root, s.bin
	}
	return filepath.Join(pristine.root, "data"), nil
}

// removePristine removes the pristine data directory and stops making it.
func removePristine() error {
	pristine.Lock()
	defer pristine.Unlock()
	root := pristine.root
	pristine.enabled, pristine.root, pristine.bin = false, "", ""
	if root == "" {
		return nil
	}
	return os.RemoveAll(root)
}

// copyDir copies the tree of directories and files src to dst, which must not exist. The
// copies keep their permissions and belong to cred's user if cred is not nil.
func copyDir(src, dst string, cred *syscall.Credential) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			err = os.Mkdir(target, info.Mode().Perm())
		case d.Type().IsRegular():
			err = copyFile(path, target, info.Mode().Perm())
		default:
			err = fmt.Errorf("copy %s: neither a directory nor a file", path)
		}
		if err == nil && cred != nil {
			err = os.Chown(target, int(cred.Uid), int(cred.Gid))
		}
		return err
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
