package socket

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxIovecs is the most slices one writev takes (IOV_MAX).
const maxIovecs = 1024

// writeNonBlocking makes one writev attempt on raw's socket, which Go keeps non-blocking: it
// returns how many bytes went out, and errWouldBlock when not all of bufs did.
func writeNonBlocking(raw syscall.RawConn, bufs [][]byte) (int, error) {
	if len(bufs) > maxIovecs {
		bufs = bufs[:maxIovecs]
	}
	var n int
	var werr error
	err := raw.Write(func(fd uintptr) bool {
		for {
			n, werr = unix.Writev(int(fd), bufs)
			if werr != unix.EINTR {
				return true
			}
		}
	})
	if err != nil {
		return 0, err
	}
	n = max(n, 0)
	switch {
	case errors.Is(werr, unix.EAGAIN):
		return n, errWouldBlock
	case werr != nil:
		return n, werr
	}
	total := 0
	for _, b := range bufs {
		total += len(b)
	}
	if n < total {
		return n, errWouldBlock
	}
	return n, nil
}
