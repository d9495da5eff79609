package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// PeakRSS is the process's resident-set high-water mark (VmHWM in
// /proc/self/status), in bytes; 0 where there is no /proc.
func PeakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	kb, _ := vmHWM(f)
	return kb * 1024
}

// vmHWM reads the "VmHWM:  1234 kB" line of a /proc status file.
func vmHWM(f *os.File) (int64, error) {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmHWM line %q", sc.Text())
		}
		return strconv.ParseInt(fields[0], 10, 64)
	}
	return 0, fmt.Errorf("no VmHWM line: %w", sc.Err())
}

// heapObjects is the runtime metric of live and not yet swept heap objects.
const heapObjects = "/memory/classes/heap/objects:bytes"

// HeapWatch samples the Go heap until Stop and keeps the peak.
type HeapWatch struct {
	stop chan struct{}
	done sync.WaitGroup
	mu   sync.Mutex
	peak uint64
}

// WatchHeap starts sampling every interval.
func WatchHeap(ctx context.Context, interval time.Duration) *HeapWatch {
	w := &HeapWatch{stop: make(chan struct{})}
	w.done.Go(func() {
		sample := []metrics.Sample{{Name: heapObjects}}
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				w.mu.Lock()
				w.peak = max(w.peak, sample[0].Value.Uint64())
				w.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	})
	return w
}

// Stop ends sampling and returns the peak in bytes.
func (w *HeapWatch) Stop() uint64 {
	close(w.stop)
	w.done.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peak
}
