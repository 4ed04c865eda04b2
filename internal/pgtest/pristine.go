package pgtest

import (
	"sync"

	"github.com/taskboard/taskboard/internal/pgserver"
)

// pristine is a data directory fresh from initdb that servers copy instead of running initdb,
// which takes several times longer. It lives while Run runs the tests, and Run removes it.
var pristine struct {
	sync.Mutex
	enabled bool             // Run is running the tests
	srv     *pgserver.Server // never started: its data directory is the pristine one
	bin     string           // whose initdb made it
}

// pristineDir returns the pristine data directory of the binaries in bin, creating it on
// first use. Without Run, or for other binaries than the first, it returns "": the server
// runs initdb itself.
func pristineDir(bin string) (string, error) {
	pristine.Lock()
	defer pristine.Unlock()
	if !pristine.enabled || (pristine.bin != "" && pristine.bin != bin) {
		return "", nil
	}
	if pristine.srv == nil {
		srv, err := pgserver.New("", pgserver.Options{BinDir: bin})
		if err != nil {
			return "", err
		}
		pristine.srv, pristine.bin = srv, bin
	}
	return pristine.srv.DataDir(), nil
}

// removePristine removes the pristine data directory and stops making it.
func removePristine() error {
	pristine.Lock()
	defer pristine.Unlock()
	srv := pristine.srv
	pristine.enabled, pristine.srv, pristine.bin = false, nil, ""
	if srv == nil {
		return nil
	}
	return srv.Remove()
}
