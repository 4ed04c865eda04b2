package socket

import (
	"errors"
	"net"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Hangups notices clients closing the connections they opened, for every connection at
// once: the sockets are in one epoll set of our own, which Go's poller waits on like any
// other descriptor, instead of a goroutine per connection blocked in a read. It is for
// connections whose clients send nothing (an SSE stream after its request), so anything
// readable is either the end of the connection or bytes to discard. The waiting goroutine
// runs while at least one socket is watched. The zero Hangups is ready to use.
type Hangups struct {
	mu      sync.Mutex
	ep      *os.File // nil while nothing is watched
	epfd    int      // ep's descriptor (File.Fd would make ep blocking)
	watched map[uint64]*watchedConn
	last    uint64
}

type watchedConn struct {
	raw       syscall.RawConn
	gone      func()
	discarded int
}

// maxDiscard is how much a client may send on a stream before it counts as gone.
const maxDiscard = 4096

// Watch calls gone when the peer of nc closes or resets the connection or sends more than
// maxDiscard bytes, until stop is called. The set reports a hang-up for as long as the socket
// is in it, so gone may run again before stop: it must be idempotent. Call stop before
// closing nc.
func (h *Hangups) Watch(nc net.Conn, gone func()) (stop func()) {
	raw := rawConn(nc)
	if raw == nil {
		return watchByReading(nc, gone)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ep == nil {
		fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			return watchByReading(nc, gone)
		}
		if err := unix.SetNonblock(fd, true); err != nil {
			_ = unix.Close(fd)
			return watchByReading(nc, gone)
		}
		// Non-blocking, the file is waited on by Go's poller.
		h.ep, h.epfd = os.NewFile(uintptr(fd), "hangups"), fd
		h.watched = map[uint64]*watchedConn{}
		go h.wait(h.ep)
	}
	epfd := h.epfd
	h.last++
	id := h.last
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(id), Pad: int32(id >> 32)}
	var ctlErr error
	if err := raw.Control(func(fd uintptr) { ctlErr = unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, int(fd), &ev) }); err != nil || ctlErr != nil {
		h.stopIfIdleLocked()
		return watchByReading(nc, gone)
	}
	h.watched[id] = &watchedConn{raw: raw, gone: gone}
	return func() { h.unwatch(id, epfd) }
}

func (h *Hangups) unwatch(id uint64, epfd int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	w, ok := h.watched[id]
	if !ok {
		return
	}
	delete(h.watched, id)
	_ = w.raw.Control(func(fd uintptr) { _ = unix.EpollCtl(epfd, unix.EPOLL_CTL_DEL, int(fd), nil) })
	h.stopIfIdleLocked()
}

// stopIfIdleLocked closes the epoll set when nothing is watched, which ends its goroutine.
func (h *Hangups) stopIfIdleLocked() {
	if len(h.watched) == 0 && h.ep != nil {
		_ = h.ep.Close()
		h.ep, h.watched = nil, nil
	}
}

// wait reads ep's events until ep is closed.
func (h *Hangups) wait(ep *os.File) {
	raw, err := ep.SyscallConn()
	if err != nil {
		return
	}
	events := make([]unix.EpollEvent, 128)
	scratch := make([]byte, 512)
	for {
		var n int
		err := raw.Read(func(fd uintptr) bool {
			var werr error
			n, werr = unix.EpollWait(int(fd), events, 0)
			return n > 0 || (werr != nil && werr != unix.EINTR && werr != unix.EAGAIN)
		})
		if err != nil {
			return // closed: nothing is watched any more
		}
		for _, ev := range events[:max(n, 0)] {
			id := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			h.mu.Lock()
			w := h.watched[id]
			h.mu.Unlock()
			if w != nil && w.hungUp(ev.Events, scratch) {
				w.gone()
			}
		}
	}
}

// hungUp reads what the client sent, to tell an end of the connection from bytes to discard.
func (w *watchedConn) hungUp(events uint32, scratch []byte) bool {
	if events&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		return true
	}
	var n int
	var rerr error
	if err := w.raw.Read(func(fd uintptr) bool {
		n, rerr = unix.Read(int(fd), scratch)
		return true
	}); err != nil {
		return true
	}
	switch {
	case errors.Is(rerr, unix.EAGAIN), errors.Is(rerr, unix.EINTR):
		return false
	case rerr != nil || n == 0:
		return true
	}
	w.discarded += n
	return w.discarded > maxDiscard
}
