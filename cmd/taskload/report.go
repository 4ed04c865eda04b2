package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// report is what one run measured; durations are in milliseconds.
type report struct {
	Mode      string    `json:"mode"`
	URL       string    `json:"url"`
	Conns     int       `json:"conns"`
	Boards    []string  `json:"boards"`
	Users     int       `json:"users"`
	Sources   int       `json:"sources"`
	StartedAt time.Time `json:"startedAt"`

	// ConnectMs is how long opening and joining every connection took.
	ConnectMs float64 `json:"connectMs"`
	Memory    *memory `json:"memory,omitempty"`
	FanOut    *fanOut `json:"fanOut,omitempty"`
}

// memory is the server's resident memory before the connections and while they sat idle.
type memory struct {
	PID int `json:"pid"`
	// BeforeKiB is the RSS before connecting; IdleKiB the lowest sample of the idle window
	// (the garbage of the connecting phase collected), IdleLastKiB its last sample.
	BeforeKiB   int64 `json:"beforeKiB"`
	IdleKiB     int64 `json:"idleKiB"`
	IdleLastKiB int64 `json:"idleLastKiB"`
	// PerConnKiB is (IdleKiB - BeforeKiB) / conns.
	PerConnKiB float64 `json:"perConnKiB"`
	Samples    int     `json:"samples"`
	IdleSecs   float64 `json:"idleSecs"`
}

// fanOut is the time from sending one event's creation until clients had it, over Events
// events: for each, the time until the first and the last of Receivers clients had it.
type fanOut struct {
	Events    int `json:"events"`
	Receivers int `json:"receivers"`
	// CommitMs is the REST answer's time (the event committed and fanned out to the queues).
	CommitMs stats `json:"commitMs"`
	FirstMs  stats `json:"firstMs"`
	LastMs   stats `json:"lastMs"`
	// MedianMs is, per event, the time until half of the clients had it.
	MedianMs stats `json:"medianMs"`
}

// stats summarises a few timings.
type stats struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
}

func summarize(ds []time.Duration) stats {
	if len(ds) == 0 {
		return stats{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return stats{Min: ms(s[0]), Median: ms(s[len(s)/2]), Max: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// rssKiB reads a process's resident set size from /proc.
func rssKiB(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for process %d", pid)
}
