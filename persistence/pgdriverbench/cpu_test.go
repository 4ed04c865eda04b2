package pgdriverbench_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The machine these benchmarks run on is shared, so wall time per op varies by a factor of
// two between runs. CPU time varies much less: cpuMeter reports, besides ns/op, the CPU time
// per op of this process (driver, bun, the store, the garbage collector) and of the
// Postgres server (its backends and background processes), which is where a driver's
// protocol choices show up.

// clockTick is the unit of the times in /proc/PID/stat (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

type cpuMeter struct {
	postmaster     int
	client, server time.Duration
}

// startCPU starts measuring CPU time; call it just before the measured loop.
func startCPU(b *testing.B, db benchDB) *cpuMeter {
	b.Helper()
	conn, err := pgx.Connect(context.Background(), db.url)
	if err != nil {
		b.Fatal(err)
	}
	var backend int
	err = conn.QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&backend)
	if err := errors.Join(err, conn.Close(context.Background())); err != nil {
		b.Fatal(err)
	}
	_, ppid, ok := procStat(backend)
	if !ok {
		b.Fatalf("no /proc/%d/stat", backend)
	}
	m := &cpuMeter{postmaster: ppid}
	m.client, m.server = clientCPU(), m.serverCPU()
	return m
}

// report adds the CPU time per op since startCPU to b's metrics.
func (m *cpuMeter) report(b *testing.B) {
	client, server := clientCPU()-m.client, m.serverCPU()-m.server
	n := float64(b.N)
	b.ReportMetric(float64(client.Microseconds())/n, "client-µs/op")
	b.ReportMetric(float64(server.Microseconds())/n, "server-µs/op")
}

func clientCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU is the CPU time of the postmaster, of its children that ended (which it
// waited for) and of its living children.
func (m *cpuMeter) serverCPU() time.Duration {
	total, _, _ := procStat(m.postmaster)
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil || pid == m.postmaster {
			continue
		}
		if own, ppid, ok := procStat(pid); ok && ppid == m.postmaster {
			total += own
		}
	}
	return total
}

// procStat returns the CPU time of process pid (with that of the children it waited for)
// and its parent.
func procStat(pid int) (cpu time.Duration, ppid int, ok bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command in parentheses may hold spaces: the fields start after the last ')'.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 15 {
		return 0, 0, false
	}
	// f[0] is field 3 (state): ppid is field 4, utime..cstime fields 14 to 17.
	ppid, _ = strconv.Atoi(f[1])
	var ticks int64
	for _, s := range f[11:15] {
		v, _ := strconv.ParseInt(s, 10, 64)
		ticks += v
	}
	return time.Duration(ticks) * clockTick, ppid, true
}
