package bench

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestVmHWMReadsTheHighWaterMark(t *testing.T) {
	cases := []struct {
		name    string
		status  string
		want    int64
		wantErr string
	}{
		{"kernel format", "Name:\tbench\nVmPeak:\t  200000 kB\nVmHWM:\t   51234 kB\nVmRSS:\t   40000 kB\n", 51234, ""},
		{"no such line", "Name:\tbench\n", 0, "no VmHWM line"},
		{"other unit", "VmHWM:\t 1 MB\n", 0, "unexpected VmHWM line"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "status")
			if err := os.WriteFile(path, []byte(c.status), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := vmHWM(f)
			if got != c.want || (c.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("got %d, %v; want %d, %q", got, err, c.want, c.wantErr)
			}
		})
	}
}

func TestProcessFiguresAreMeasured(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err == nil {
		if rss := PeakRSS(); rss < 1<<20 {
			t.Errorf("peak RSS %d bytes: a Go test process is bigger than 1 MB", rss)
		}
	} else if rss := PeakRSS(); rss != 0 {
		t.Errorf("without /proc the peak RSS is unknown (0), got %d", rss)
	}
	if runtime.GOOS == "linux" {
		before := CPUTime()
		sum := sha256.Sum256(nil)
		for range 200000 { // tens of milliseconds of work: more than the clock's tick
			sum = sha256.Sum256(sum[:])
		}
		if after := CPUTime(); after <= before {
			t.Errorf("CPU time did not grow while hashing (%x): %v then %v", sum[:2], before, after)
		}
	}
}

func TestHeapWatchKeepsThePeak(t *testing.T) {
	w := WatchHeap(t.Context(), time.Hour) // one sample at the start, one more is not needed
	peak := w.Stop()
	if peak == 0 {
		t.Fatal("the heap of a running test holds objects; the peak cannot be 0")
	}
}
