package store

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store/storetest"
)

func TestMigrate(t *testing.T) {
	t.Parallel()
	s := openTestStore(t, storetest.URL(t))
	s.Now = (&clock{now: testEpoch}).Now
	ctx := t.Context()

	st, err := s.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Current != 0 || st.Latest != 5 || !reflect.DeepEqual(st.Pending, []int{1, 2, 3, 4, 5}) || len(st.Applied) != 0 {
		t.Fatalf("fresh status = %+v", st)
	}
	err = s.CheckCurrent(ctx)
	if !errors.Is(err, ErrMigrationsPending) || !strings.Contains(err.Error(), "discordsend-bot migrate") {
		t.Fatalf("CheckCurrent on a fresh database = %v", err)
	}

	applied, err := s.Migrate(ctx)
	if err != nil || !reflect.DeepEqual(applied, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("Migrate = %v, %v; want [1 2 3 4 5]", applied, err)
	}
	st, err = s.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := MigrationStatus{Current: 5, Latest: 5, Applied: []AppliedMigration{
		{Version: 1, Name: "init", AppliedAt: testEpoch},
		{Version: 2, Name: "server_workflows", AppliedAt: testEpoch},
		{Version: 3, Name: "job_inputs", AppliedAt: testEpoch},
		{Version: 4, Name: "leases", AppliedAt: testEpoch},
		{Version: 5, Name: "ran_parameters", AppliedAt: testEpoch},
	}}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("status = %+v, want %+v", st, want)
	}
	if err := s.CheckCurrent(ctx); err != nil {
		t.Fatalf("CheckCurrent: %v", err)
	}

	applied, err = s.Migrate(ctx)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate = %v, %v; want nothing applied", applied, err)
	}
}

// The schema keeps the PRD's table and column names.
func TestSchemaColumns(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	tables := map[string]string{
		"users":        "id, discord_id, username, default_delivery, created_at",
		"servers":      "id, discord_id, name, default_channel_id, max_queue_per_user, created_at, default_delivery, default_workflow, dm_policy, updated_at",
		"server_roles": "id, server_id, role_discord_id, permission_level",
		"templates":    "id, user_id, server_id, name, positive_prompt, negative_prompt, parameters, created_at, shared, name_key, updated_at",
		"jobs": "id, prompt_id, user_id, server_id, channel_id, status, positive_prompt, negative_prompt, parameters, output_images, " +
			"error_message, delivery_type, message_id, created_at, completed_at, backend, seed, workflow_name, attempts, progress, " +
			"progress_text, status_channel_id, queued_at, submitted_at, started_at, finished_at, error_code, updated_at",
		"workflows":         "id, server_id, name, description, workflow, sidecar, created_at, updated_at",
		"deliveries":        "id, job_id, part, channel_id, message_id, attachment_urls, delivered_at",
		"schema_migrations": "version, name, applied_at",
	}
	for table, cols := range tables {
		t.Run(table, func(t *testing.T) {
			rows, err := s.db.QueryContext(t.Context(), "SELECT "+cols+" FROM "+table+" LIMIT 0")
			if err != nil {
				t.Fatalf("select columns: %v", err)
			}
			rows.Close()
		})
	}
}

func TestMigrateRefusesNewerDatabase(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := t.Context()
	mustExec(t, s, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9, 'future', 0)`)
	const msg = "database schema version 9 is newer than this binary supports (5): " +
		"upgrade discordsend-bot or point database.url at another database"
	check := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, ErrSchemaTooNew) {
			t.Fatalf("%s error = %v, want ErrSchemaTooNew", name, err)
		}
		if err.Error() != msg {
			t.Errorf("%s error = %q, want %q", name, err, msg)
		}
		tooNew, ok := errors.AsType[*SchemaTooNewError](err)
		if !ok || tooNew.Version != 9 || tooNew.Supported != 5 {
			t.Errorf("%s error = %#v", name, err)
		}
	}
	applied, err := s.Migrate(ctx)
	check("Migrate", err)
	if len(applied) != 0 {
		t.Errorf("Migrate applied %v", applied)
	}
	check("CheckCurrent", s.CheckCurrent(ctx))
	st, err := s.MigrationStatus(ctx)
	if err != nil || st.Current != 9 || st.Latest != 5 || len(st.Pending) != 0 {
		t.Errorf("status = %+v, %v", st, err)
	}
}

// Two processes starting at once must not both apply a migration.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	url := storetest.URL(t)
	stores := []*Store{openTestStore(t, url), openTestStore(t, url), openTestStore(t, url)}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		all []int
	)
	for _, s := range stores {
		wg.Go(func() {
			applied, err := s.Migrate(t.Context())
			if err != nil {
				t.Errorf("Migrate: %v", err)
			}
			mu.Lock()
			all = append(all, applied...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(all) // one store may apply the first, another the next
	if !reflect.DeepEqual(all, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("applied across stores = %v, want [1 2 3 4 5]", all)
	}
}

func TestLoadMigrations(t *testing.T) {
	t.Parallel()
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		fs      fstest.MapFS
		want    []migration
		wantErr string
	}{
		{
			name: "ordered by version",
			fs: fstest.MapFS{
				"m/0010_ten.sql":  file("ten"),
				"m/0002_two.sql":  file("two"),
				"m/0001_init.sql": file("one"),
				"m/README.md":     file("not a migration"),
			},
			want: []migration{{1, "init", "one"}, {2, "two", "two"}, {10, "ten", "ten"}},
		},
		{name: "no name", fs: fstest.MapFS{"m/0001.sql": file("")}, wantErr: "0001.sql"},
		{name: "not a number", fs: fstest.MapFS{"m/init_0001.sql": file("")}, wantErr: "init_0001.sql"},
		{name: "version zero", fs: fstest.MapFS{"m/0000_zero.sql": file("")}, wantErr: "0000_zero.sql"},
		{name: "duplicate", fs: fstest.MapFS{"m/0001_a.sql": file(""), "m/1_b.sql": file("")}, wantErr: "version 1 appears twice"},
		{name: "missing dir", fs: fstest.MapFS{}, wantErr: "read migrations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadMigrations(tt.fs, "m")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("loadMigrations = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
