package discordtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/disgoorg/snowflake/v2"
)

// NewToken returns the bot token of application appID, shaped like Discord's:
// the first segment is the unpadded base64 of the application id, which disgo
// decodes to learn its application id. The same id always gives the same
// token.
func NewToken(appID snowflake.ID) string {
	sum := sha256.Sum256([]byte("discordtest:" + appID.String()))
	mac := hex.EncodeToString(sum[:])
	return base64.RawStdEncoding.EncodeToString([]byte(appID.String())) + "." + mac[:6] + "." + mac[6:44]
}

// idGen hands out increasing snowflakes whose timestamp follows the clock, so
// disgo's CreatedAt agrees with the fake's timestamps.
type idGen struct {
	last snowflake.ID
}

func (g *idGen) next(now time.Time) snowflake.ID {
	id := snowflake.New(now)
	if id <= g.last {
		id = g.last + 1
	}
	g.last = id
	return id
}

// newInteractionToken mimics Discord's opaque interaction tokens.
func newInteractionToken() string {
	return "aW50ZXJhY3Rpb246" + rand.Text() + rand.Text()
}

func newSessionID() string {
	return hex.EncodeToString([]byte(rand.Text()))[:32]
}
