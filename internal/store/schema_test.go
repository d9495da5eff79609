package store

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store/storetest"
)

func TestScratchSchemaStartsEmptyAndIsDropped(t *testing.T) {
	base := storetest.Postgres(t)
	ctx := t.Context()
	sc, err := NewScratch(ctx, base, "scratch_")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sc.Schema, "scratch_") || !strings.Contains(sc.URL, "search_path="+sc.Schema) {
		t.Fatalf("scratch = %+v", sc)
	}
	s, err := Open(ctx, sc.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpsertUser(ctx, "1", "ann"); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables := func() int {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = $1`, sc.Schema).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := tables(); n == 0 {
		t.Fatal("the store's tables are not in the scratch schema")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sc.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, sc.Schema).Scan(&left); err != nil || left != 0 {
		t.Fatalf("schema left behind: %d, %v", left, err)
	}
}

func TestScratchNeedsPostgreSQL(t *testing.T) {
	if _, err := NewScratch(t.Context(), "sqlite:bot.db", "x_"); err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("err = %v, want one asking for a postgres:// URL", err)
	}
}
