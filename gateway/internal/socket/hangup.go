package socket

import "net"

// watchByReading is the hang-up watch of a connection without a pollable descriptor: a
// goroutine reads it until it fails. Closing nc ends it.
func watchByReading(nc net.Conn, gone func()) (stop func()) {
	go func() {
		var b [64]byte
		total := 0
		for {
			n, err := nc.Read(b[:])
			if total += n; err != nil || total > maxDiscard {
				gone()
				return
			}
		}
	}()
	return func() {}
}
