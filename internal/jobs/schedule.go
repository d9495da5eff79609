package jobs

import (
	"slices"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// FairOrder returns queued jobs in the order the dispatcher takes them:
// round-robin across users, the least recently served user first, each
// user's own jobs oldest first. One user's burst therefore cannot starve
// the others, and the positions shown to users come from this same order.
//
// queued must be oldest first; lastServed holds when each user last had a
// job sent to a backend (absent: never, which goes first).
func FairOrder(queued []model.Job, lastServed map[string]time.Time) []model.Job {
	// Jobs are large: group and order their indices, and copy each job once.
	slot := make(map[string]int)
	var users []string
	var perUser [][]int
	for i, j := range queued {
		k, ok := slot[j.UserID]
		if !ok {
			k = len(users)
			slot[j.UserID] = k
			users = append(users, j.UserID)
			perUser = append(perUser, nil)
		}
		perUser[k] = append(perUser[k], i)
	}
	// users is in order of each user's oldest job; a stable sort by last
	// service keeps that order among equals.
	rank := make([]int, len(users))
	for k := range rank {
		rank[k] = k
	}
	slices.SortStableFunc(rank, func(a, b int) int {
		return lastServed[users[a]].Compare(lastServed[users[b]])
	})
	out := make([]model.Job, 0, len(queued))
	for round := 0; len(out) < len(queued); round++ {
		for _, k := range rank {
			if round < len(perUser[k]) {
				out = append(out, queued[perUser[k][round]])
			}
		}
	}
	return out
}

// Positions maps each queued job to its 1-based place in FairOrder.
func Positions(order []model.Job) map[int64]int {
	pos := make(map[int64]int, len(order))
	for i, j := range order {
		pos[j.ID] = i + 1
	}
	return pos
}

// JainIndex is Jain's fairness index of the amounts served to each party:
// 1 when all got the same, 1/n when one got everything.
func JainIndex(served []float64) float64 {
	var sum, sumSq float64
	for _, x := range served {
		sum += x
		sumSq += x * x
	}
	if sumSq == 0 {
		return 1
	}
	return sum * sum / (float64(len(served)) * sumSq)
}
