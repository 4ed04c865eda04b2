package pgtest_test

import (
	"testing"

	"github.com/taskboard/taskboard/internal/pgtest"
)

func BenchmarkStartStop(b *testing.B) {
	for b.Loop() {
		pgtest.Start(b).Stop(b)
	}
}

func BenchmarkNewDatabase(b *testing.B) {
	srv := pgtest.Shared(b)
	for b.Loop() {
		srv.NewDatabase(b)
	}
}
