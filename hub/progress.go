package hub

import (
	"fmt"
	"io"
	"time"
)

// progress draws a one-line bar with speed and ETA, redrawn in place with
// '\r' at most every 200 ms. A nil *progress (no writer) does nothing.
type progress struct {
	w        io.Writer
	label    string
	total    int64 // -1 unknown
	n        int64
	base     int64 // bytes already present when this session started
	start    time.Time
	lastDraw time.Time
}

func newProgress(w io.Writer, label string, total int64) *progress {
	if w == nil {
		return nil
	}
	return &progress{w: w, label: label, total: total, start: time.Now()}
}

// set records the current offset (resume point or restart).
func (p *progress) set(n int64) {
	if p == nil {
		return
	}
	p.n, p.base, p.start = n, n, time.Now()
}

func (p *progress) Write(b []byte) (int, error) {
	if p == nil {
		return len(b), nil
	}
	p.n += int64(len(b))
	if now := time.Now(); now.Sub(p.lastDraw) >= 200*time.Millisecond {
		p.lastDraw = now
		p.draw()
	}
	return len(b), nil
}

func (p *progress) draw() {
	elapsed := time.Since(p.start).Seconds()
	speed := 0.0
	if elapsed > 0 {
		speed = float64(p.n-p.base) / elapsed
	}
	line := fmt.Sprintf("%s  %s", p.label, humanBytes(p.n))
	if p.total > 0 {
		pct := float64(p.n) / float64(p.total)
		const width = 24
		filled := min(int(pct*width), width)
		bar := make([]byte, width)
		for i := range bar {
			bar[i] = ' '
			if i < filled {
				bar[i] = '='
			}
		}
		line = fmt.Sprintf("%s [%s] %3.0f%% %s/%s", p.label, bar, pct*100, humanBytes(p.n), humanBytes(p.total))
		if speed > 0 && p.n < p.total {
			eta := time.Duration(float64(p.total-p.n) / speed * float64(time.Second)).Round(time.Second)
			line += fmt.Sprintf("  %s/s  ETA %s", humanBytes(int64(speed)), eta)
		}
	} else if speed > 0 {
		line += fmt.Sprintf("  %s/s", humanBytes(int64(speed)))
	}
	// Clear to end of line so a shorter line leaves no leftovers.
	fmt.Fprintf(p.w, "\r%s\x1b[K", line)
}

func (p *progress) done() {
	if p == nil {
		return
	}
	p.draw()
	fmt.Fprintln(p.w)
}

// humanBytes formats n in decimal units (kB, MB, GB), as the Hub shows sizes.
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, units := float64(n), "kMGTPE"
	i := -1
	for f >= unit && i < len(units)-1 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.1f %cB", f, units[i])
}
