package bag

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The DDL of rosbag2_storage_sqlite3 (sqlite_storage.cpp) at schema version 3, as ROS 2 Humble
// creates a .db3, with the statement text and pragmas it uses; the schema row says "humble".
var rosbag2DDL = []string{
	`PRAGMA journal_mode = WAL`,
	`PRAGMA synchronous = NORMAL`,
	`CREATE TABLE schema(schema_version INTEGER PRIMARY KEY,ros_distro TEXT NOT NULL);`,
	`INSERT INTO schema (schema_version, ros_distro) VALUES (3, 'humble');`,
	`CREATE TABLE metadata(id INTEGER PRIMARY KEY,metadata_version INTEGER NOT NULL,metadata TEXT NOT NULL);`,
	`CREATE TABLE topics(id INTEGER PRIMARY KEY,name TEXT NOT NULL,type TEXT NOT NULL,serialization_format TEXT NOT NULL,offered_qos_profiles TEXT NOT NULL);`,
	`CREATE TABLE messages(id INTEGER PRIMARY KEY,topic_id INTEGER NOT NULL,timestamp INTEGER NOT NULL, data BLOB NOT NULL);`,
	`CREATE INDEX timestamp_idx ON messages (timestamp ASC);`,
}

const qosYAML = "- history: 3\n  depth: 0\n  reliability: 1\n  durability: 2\n  deadline:\n    sec: 9223372036\n    nsec: 854775807\n" +
	"  lifespan:\n    sec: 9223372036\n    nsec: 854775807\n  liveliness: 1\n  liveliness_lease_duration:\n    sec: 9223372036\n" +
	"    nsec: 854775807\n  avoid_ros_namespace_conventions: false"

// writeDB3 writes ms into a new .db3 as rosbag2's sqlite3 storage does: topics in the order first
// seen, ids from 1, messages CDR.
func writeDB3(t testing.TB, path string, ms []stamped) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range rosbag2DDL {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	ids := map[string]int64{}
	for _, m := range ms {
		id, ok := ids[m.topic]
		if !ok {
			id = int64(len(ids) + 1)
			ids[m.topic] = id
			_, err := db.Exec(`INSERT INTO topics (id, name, type, serialization_format, offered_qos_profiles) VALUES (?, ?, ?, ?, ?)`,
				id, m.topic, m.msg.TypeName(), "cdr", qosYAML)
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Exec(`INSERT INTO messages (timestamp, topic_id, data) VALUES (?, ?, ?)`, m.logTime, id, m.msg.MarshalCDR(nil)); err != nil {
			t.Fatal(err)
		}
	}
}

// rosbag2Metadata writes metadata.yaml version 5 (Humble) for the files and messages.
func writeRosbag2Metadata(t testing.TB, dir, storage string, files []string, parts [][]stamped) {
	t.Helper()
	var all []stamped
	for _, p := range parts {
		all = append(all, p...)
	}
	counts, types, order := map[string]int{}, map[string]string{}, []string{}
	for _, m := range all {
		if counts[m.topic] == 0 {
			order = append(order, m.topic)
		}
		counts[m.topic]++
		types[m.topic] = m.msg.TypeName()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "rosbag2_bagfile_information:\n  version: 5\n  storage_identifier: %s\n", storage)
	fmt.Fprintf(&b, "  duration:\n    nanoseconds: %d\n  starting_time:\n    nanoseconds_since_epoch: %d\n  message_count: %d\n",
		all[len(all)-1].logTime-all[0].logTime, all[0].logTime, len(all))
	b.WriteString("  topics_with_message_count:\n")
	for _, tp := range order {
		fmt.Fprintf(&b, "    - topic_metadata:\n        name: %s\n        type: %s\n        serialization_format: cdr\n"+
			"        offered_qos_profiles: %q\n      message_count: %d\n", tp, types[tp], qosYAML, counts[tp])
	}
	b.WriteString("  compression_format: \"\"\n  compression_mode: \"\"\n  relative_file_paths:\n")
	for _, f := range files {
		fmt.Fprintf(&b, "    - %s\n", f)
	}
	b.WriteString("  files:\n")
	for i, f := range files {
		p := parts[i]
		fmt.Fprintf(&b, "    - path: %s\n      starting_time:\n        nanoseconds_since_epoch: %d\n      duration:\n"+
			"        nanoseconds: %d\n      message_count: %d\n", f, p[0].logTime, p[len(p)-1].logTime-p[0].logTime, len(p))
	}
	if err := os.WriteFile(filepath.Join(dir, "metadata.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A split rosbag2 sqlite3 folder reads to the same values, merged across its files; so does a
// bare .db3.
func TestRosbag2SQLite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rosbag2_2023_11_14-22_13_20")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	want := sampleDrive(10)
	// Split mid-frame, so both files hold some of the topics' messages near the split.
	parts := [][]stamped{want[:23], want[23:]}
	files := []string{"rosbag2_2023_11_14-22_13_20_0.db3", "rosbag2_2023_11_14-22_13_20_1.db3"}
	for i, f := range files {
		writeDB3(t, filepath.Join(dir, f), parts[i])
	}
	writeRosbag2Metadata(t, dir, "sqlite3", files, parts)

	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := readDecoded(t, r, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sameMessages(t, got, want)
	info, err := r.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.MessageCount != 50 || len(info.Files) != 2 || info.Storage != StorageSQLite3 || len(info.Topics) != 5 ||
		info.Start != want[0].logTime || info.End != want[49].logTime || info.Size == 0 {
		t.Errorf("info %+v", info)
	}
	got, err = readDecoded(t, r, ReadOptions{Topics: []string{"/ssmde/odom"}})
	if err != nil || len(got) != 10 {
		t.Fatalf("odom only: %d messages, %v", len(got), err)
	}

	bare, err := Open(filepath.Join(dir, files[1]))
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	got, err = readDecoded(t, bare, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sameMessages(t, got, parts[1])
}

// A rosbag2 folder whose storage is mcap.
func TestRosbag2MCAP(t *testing.T) {
	dir := t.TempDir()
	want := sampleDrive(6)
	w, err := CreateMCAP(filepath.Join(dir, "b_0.mcap"), MCAPWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, want)
	writeRosbag2Metadata(t, dir, "mcap", []string{"b_0.mcap"}, [][]stamped{want})
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := readDecoded(t, r, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sameMessages(t, got, want)
	if info, err := r.Info(); err != nil || info.Storage != StorageMCAP || info.MessageCount != 30 || info.Compression != "zstd" {
		t.Errorf("info %+v, %v", info, err)
	}
}
