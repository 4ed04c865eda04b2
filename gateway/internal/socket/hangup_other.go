//go:build !linux

package socket

import "net"

// maxDiscard is how much a client may send on a stream before it counts as gone.
const maxDiscard = 4096

// Hangups watches connections with a reading goroutine each, where epoll is not available.
type Hangups struct{}

// Watch calls gone when the peer of nc closes the connection or sends more than maxDiscard
// bytes. Closing nc ends the watch.
func (h *Hangups) Watch(nc net.Conn, gone func()) (stop func()) { return watchByReading(nc, gone) }
