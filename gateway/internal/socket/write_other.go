//go:build !linux

package socket

import "syscall"

// writeNonBlocking is not available here: every write goes through a goroutine that may
// block.
func writeNonBlocking(syscall.RawConn, [][]byte) (int, error) { return 0, errWouldBlock }
