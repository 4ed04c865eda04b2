//go:build !linux

package gateway

import "net"

// maxDiscard is how much a client may send on a stream before it counts as gone.
const maxDiscard = 4096

// hangups watches streams with a reading goroutine each, where epoll is not available.
type hangups struct{}

// watch calls gone when the peer of nc closes the connection or sends more than maxDiscard
// bytes. Closing nc ends the watch.
func (h *hangups) watch(nc net.Conn, gone func()) (stop func()) { return watchByReading(nc, gone) }
