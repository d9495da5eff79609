package render

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ProgressBar draws fraction (clamped to 0..1) as width cells and a
// percentage: "▰▰▰▰▱▱▱▱▱▱ 42%". Both round down, so 100% means done.
func ProgressBar(fraction float64, width int) string {
	if math.IsNaN(fraction) || fraction < 0 {
		fraction = 0
	}
	fraction = min(fraction, 1)
	width = min(max(width, 1), 100)
	filled := int(math.Floor(fraction * float64(width)))
	pct := int(math.Floor(fraction * 100))
	return strings.Repeat("▰", filled) + strings.Repeat("▱", width-filled) + " " + strconv.Itoa(pct) + "%"
}

const barWidth = 10

// Duration writes d for people: "42s", "3m 05s", "1h 02m".
func Duration(d time.Duration) string {
	d = max(d, 0).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm %02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh %02dm", int(d.Hours()), int(d.Minutes())%60)
}

// ETA writes an estimate roughly, rounding up: "<1 min", "~2 min",
// "~1 h 20 min".
func ETA(d time.Duration) string {
	if d < time.Minute {
		return "<1 min"
	}
	mins := int(math.Ceil(d.Minutes()))
	if mins < 60 {
		return fmt.Sprintf("~%d min", mins)
	}
	if mins%60 == 0 {
		return fmt.Sprintf("~%d h", mins/60)
	}
	return fmt.Sprintf("~%d h %d min", mins/60, mins%60)
}

// Timestamp is a Discord timestamp that each reader sees in their own time
// zone; style "R" is relative ("3 minutes ago"), "f" date and time.
func Timestamp(t time.Time, style string) string {
	return "<t:" + strconv.FormatInt(t.Unix(), 10) + ":" + style + ">"
}
