package model

import "time"

// Lease is the right to be the active process: the one of several bot
// processes sharing a database that holds the Discord gateway and runs the
// queue. The others wait as standbys and take the lease over when its holder
// stops renewing it.
type Lease struct {
	Name      string
	Holder    string    // the holding process's identity; "" when released or never taken
	Term      int64     // raised by every takeover, 0 for a lease never taken
	Version   int64     // raised by every renewal, takeover and release
	RenewedAt time.Time // when it last changed, by the writer's clock; for display only
}

// Held reports whether some process holds the lease.
func (l Lease) Held() bool { return l.Holder != "" }
