package leader

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Identity names one bot process in the lease, readably for operators and
// precisely enough to tell a dead holder on the same machine from a live one.
type Identity struct {
	Host  string // hostname
	PID   int
	Space string // the PID namespace and boot this PID belongs to; "" when unknown
	Nonce string // tells apart two lives with the same PID
}

// ThisProcess is the identity of the running process, with a fresh nonce.
func ThisProcess() Identity {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return Identity{Host: host, PID: os.Getpid(), Space: pidSpace(), Nonce: hex.EncodeToString(b)}
}

// String is the form stored as the lease's holder: host:pid:space:nonce,
// with ':' in the host name replaced.
func (id Identity) String() string {
	return strings.ReplaceAll(id.Host, ":", "_") + ":" + strconv.Itoa(id.PID) + ":" + id.Space + ":" + id.Nonce
}

// Display is how /admin status and /healthz name the process.
func (id Identity) Display() string {
	return fmt.Sprintf("%s (pid %d)", id.Host, id.PID)
}

// ParseIdentity reads a holder written by String. ok is false for anything
// else, which is then shown as written and never taken for a dead process.
func ParseIdentity(s string) (id Identity, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 4 {
		return Identity{}, false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 || parts[0] == "" {
		return Identity{}, false
	}
	return Identity{Host: parts[0], PID: pid, Space: parts[2], Nonce: parts[3]}, true
}

// DisplayHolder names a lease holder for people.
func DisplayHolder(holder string) string {
	if id, ok := ParseIdentity(holder); ok {
		return id.Display()
	}
	return holder
}

// sameSpace reports whether id's PID means the same process table as self's:
// the same host, PID namespace and boot. Only then can a PID be looked up.
func (id Identity) sameSpace(self Identity) bool {
	return id.Space != "" && id.Space == self.Space && id.Host == self.Host
}
