//go:build !linux

package socket

import "syscall"

// sysBatch is empty where writes cannot be made without blocking.
type sysBatch struct{}

// writeNonBlocking is not available here: every write goes through a goroutine that may
// block.
func (b *Batch) writeNonBlocking(syscall.RawConn) (int, error) { return 0, errWouldBlock }
