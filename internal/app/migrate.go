package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/config"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/logging"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

func migrateCommand() *Command {
	return &Command{
		Name:    "migrate",
		Args:    "up|status",
		Summary: "apply database migrations, or show which are applied",
		Help: `up      applies every pending migration, each in its own transaction.
status  shows the database's schema version and what is pending.
A database written by a newer discordsend-bot is refused: upgrade the bot.
'run' applies pending migrations by itself.`,
		Run: runMigrate,
	}
}

func runMigrate(ctx context.Context, c *CLI, args []string) error {
	if len(args) != 1 || (args[0] != "up" && args[0] != "status") {
		return usageErrorf("migrate", "migrate needs exactly one of: up, status")
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	if path, ok := store.SQLiteFile(cfg.Database.URL); ok && args[0] == "status" {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			// Opening would create the file: status only looks.
			return printNoDatabase(c, cfg, path)
		}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if args[0] == "up" {
		applied, err := st.Migrate(ctx)
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(c.Stdout, "database is up to date; nothing to apply")
		}
		for _, v := range applied {
			fmt.Fprintf(c.Stdout, "applied migration %04d\n", v)
		}
	}
	return printMigrationStatus(ctx, c, cfg, st)
}

// printNoDatabase is the status of a SQLite database whose file does not exist yet.
func printNoDatabase(c *CLI, cfg config.Config, path string) error {
	versions, err := store.Versions(cfg.Database.URL)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "database %s: none yet, no file %s (schema version 0, this binary: %d); "+
		"'migrate up' or 'run' creates it and applies %d migration(s)\n",
		config.RedactURL(cfg.Database.URL), path, slices.Max(append([]int{0}, versions...)), len(versions))
	for _, v := range versions {
		fmt.Fprintf(c.Stdout, "  pending  %04d\n", v)
	}
	return nil
}

func printMigrationStatus(ctx context.Context, c *CLI, cfg config.Config, st *store.Store) error {
	status, err := st.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "database %s: schema version %d (this binary: %d)\n", config.RedactURL(cfg.Database.URL), status.Current, status.Latest)
	for _, a := range status.Applied {
		fmt.Fprintf(c.Stdout, "  applied  %04d %-24s %s\n", a.Version, a.Name, a.AppliedAt.Format(time.RFC3339))
	}
	for _, v := range status.Pending {
		fmt.Fprintf(c.Stdout, "  pending  %04d\n", v)
	}
	if status.Current > status.Latest {
		return &store.SchemaTooNewError{Version: status.Current, Supported: status.Latest}
	}
	return nil
}

func openStore(ctx context.Context, cfg config.Config) (*store.Store, error) {
	return store.Open(ctx, cfg.Database.URL, store.WithLogger(logging.Discard()))
}
