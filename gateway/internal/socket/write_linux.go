package socket

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxIovecs is the most slices one writev takes (IOV_MAX).
const maxIovecs = 1024

// sysBatch is what a batch keeps between writes so that a write allocates nothing: the
// iovecs, and the function the descriptor is written in with its results.
type sysBatch struct {
	iov   []unix.Iovec
	write func(fd uintptr) bool
	n     int
	errno syscall.Errno
}

// writeNonBlocking makes one writev attempt on raw's socket, which Go keeps non-blocking: it
// returns how many bytes went out, and errWouldBlock when not all of b's bytes did.
func (b *Batch) writeNonBlocking(raw syscall.RawConn) (int, error) {
	bufs := b.bufs
	if len(bufs) > maxIovecs {
		bufs = bufs[:maxIovecs]
	}
	b.iov = b.iov[:0]
	total := 0
	for _, p := range bufs {
		v := unix.Iovec{Base: unsafe.SliceData(p)}
		v.SetLen(len(p))
		b.iov = append(b.iov, v)
		total += len(p)
	}
	if b.write == nil {
		b.write = b.writev
	}
	err := raw.Write(b.write)
	clear(b.iov)
	if err != nil {
		return 0, err
	}
	switch {
	case b.errno == unix.EAGAIN:
		return 0, errWouldBlock
	case b.errno != 0:
		return 0, b.errno
	case b.n < total:
		return b.n, errWouldBlock
	}
	return b.n, nil
}

// writev writes b.iov to fd, as unix.Writev would without allocating its iovecs.
func (b *Batch) writev(fd uintptr) bool {
	for {
		n, _, errno := unix.Syscall(unix.SYS_WRITEV, fd, uintptr(unsafe.Pointer(unsafe.SliceData(b.iov))), uintptr(len(b.iov)))
		if errno == unix.EINTR {
			continue
		}
		b.n, b.errno = int(n), errno
		if errno != 0 {
			b.n = 0
		}
		return true
	}
}
