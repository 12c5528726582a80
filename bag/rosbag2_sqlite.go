package bag

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/klauspost/compress/zstd"
	"gopkg.in/yaml.v3"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", pure Go
)

// rosbag2 storage (rosbag2_storage_sqlite3, schema version 3 as Humble writes it; version 4 in
// Jazzy adds topics.type_description_hash, which is not read here):
//
//	CREATE TABLE schema(schema_version INTEGER PRIMARY KEY, ros_distro TEXT NOT NULL);
//	CREATE TABLE metadata(id INTEGER PRIMARY KEY, metadata_version INTEGER NOT NULL, metadata TEXT NOT NULL);
//	CREATE TABLE topics(id INTEGER PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL,
//	    serialization_format TEXT NOT NULL, offered_qos_profiles TEXT NOT NULL);
//	CREATE TABLE messages(id INTEGER PRIMARY KEY, topic_id INTEGER NOT NULL, timestamp INTEGER NOT NULL,
//	    data BLOB NOT NULL);
//	CREATE INDEX timestamp_idx ON messages (timestamp ASC);
//
// Only the columns every version since Foxy has are read. A rosbag2 folder holds metadata.yaml
// (rosbag2_bagfile_information, version 5 and later) and its files, which may be split
// (bag_0.db3, bag_1.db3, ...); their messages are merged in log-time order. The SQLite driver is
// modernc.org/sqlite (pure Go: no cgo, so the binary cross-compiles for the Jetson unchanged).

// rosbag2Metadata is the part of metadata.yaml this package reads.
type rosbag2Metadata struct {
	Info struct {
		Version           int      `yaml:"version"`
		StorageIdentifier string   `yaml:"storage_identifier"`
		RelativeFilePaths []string `yaml:"relative_file_paths"`
		CompressionFormat string   `yaml:"compression_format"`
		CompressionMode   string   `yaml:"compression_mode"`
	} `yaml:"rosbag2_bagfile_information"`
}

// rosbag2Reader is a rosbag2 folder or a bare .db3: one Reader per file, merged.
type rosbag2Reader struct {
	path    string
	files   []string // as Info lists them
	storage string
	comp    string // "zstd" for compression_mode MESSAGE, else ""
	parts   []Reader
	tmp     string // folder of files decompressed for compression_mode FILE
}

// OpenRosbag2 opens a rosbag2 folder (metadata.yaml; sqlite3 or mcap storage, also zstd
// compression in FILE or MESSAGE mode) or a bare .db3 file.
func OpenRosbag2(path string) (Reader, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	b := &rosbag2Reader{path: path, storage: StorageSQLite3}
	if !st.IsDir() {
		f, err := openSQLite(path)
		if err != nil {
			return nil, err
		}
		b.files, b.parts = []string{filepath.Base(path)}, []Reader{f}
		return b, nil
	}
	if err := b.openFolder(); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func (b *rosbag2Reader) openFolder() error {
	var md rosbag2Metadata
	raw, err := os.ReadFile(filepath.Join(b.path, "metadata.yaml"))
	switch {
	case err == nil:
		if err := yaml.Unmarshal(raw, &md); err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(b.path, "metadata.yaml"), err)
		}
	case errors.Is(err, os.ErrNotExist):
		// A recording that was killed has no metadata.yaml: take the data files by name.
		for _, pat := range []string{"*.db3", "*.mcap"} {
			m, _ := filepath.Glob(filepath.Join(b.path, pat))
			for _, p := range m {
				md.Info.RelativeFilePaths = append(md.Info.RelativeFilePaths, filepath.Base(p))
			}
		}
	default:
		return err
	}
	if len(md.Info.RelativeFilePaths) == 0 {
		return fmt.Errorf("%s: %w: no metadata.yaml files and no .db3 or .mcap files", b.path, ErrFormat)
	}
	if md.Info.CompressionFormat != "" && md.Info.CompressionFormat != "zstd" {
		return fmt.Errorf("%s: rosbag2 compression_format %q: only zstd is supported", b.path, md.Info.CompressionFormat)
	}
	mode := strings.ToUpper(md.Info.CompressionMode)
	if md.Info.CompressionFormat == "zstd" && mode == "MESSAGE" {
		b.comp = "zstd"
	}
	for _, rel := range md.Info.RelativeFilePaths {
		p := filepath.Join(b.path, rel)
		if md.Info.CompressionFormat == "zstd" && mode == "FILE" {
			if p, err = b.decompressFile(p); err != nil {
				return err
			}
		}
		b.files = append(b.files, rel)
		var part Reader
		if strings.HasSuffix(p, ".mcap") || md.Info.StorageIdentifier == "mcap" {
			b.storage = StorageMCAP
			part, err = OpenMCAP(p)
		} else {
			part, err = openSQLite(p)
		}
		if err != nil {
			return err
		}
		b.parts = append(b.parts, part)
	}
	return nil
}

// decompressFile expands a zstd-compressed file (compression_mode FILE) into a temporary folder.
func (b *rosbag2Reader) decompressFile(p string) (string, error) {
	if b.tmp == "" {
		dir, err := os.MkdirTemp("", "ssmde-rosbag2-")
		if err != nil {
			return "", err
		}
		b.tmp = dir
	}
	in, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer in.Close()
	dec, err := zstd.NewReader(in)
	if err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	defer dec.Close()
	outPath := filepath.Join(b.tmp, strings.TrimSuffix(filepath.Base(p), ".zstd"))
	out, err := os.Create(outPath)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, dec); err != nil {
		out.Close()
		return "", fmt.Errorf("%s: zstd: %w", p, err)
	}
	return outPath, out.Close()
}

func (b *rosbag2Reader) Close() error {
	var first error
	for _, p := range b.parts {
		if err := p.Close(); err != nil && first == nil {
			first = err
		}
	}
	b.parts = nil
	if b.tmp != "" {
		os.RemoveAll(b.tmp)
		b.tmp = ""
	}
	return first
}

func (b *rosbag2Reader) Info() (*Info, error) {
	out := &Info{Path: b.path, Files: b.files, Storage: b.storage, Compression: "none"}
	if b.comp != "" {
		out.Compression = b.comp + " (per message)"
	}
	c := newTopicCounter(out)
	var firstErr error
	comps := map[string]bool{}
	for _, p := range b.parts {
		pi, err := p.Info()
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if pi == nil {
			continue
		}
		out.Size += pi.Size
		comps[pi.Compression] = true
		for _, t := range pi.Topics {
			c.declare(t.Name, t.Type, t.Encoding)
		}
		if pi.MessageCount == 0 {
			continue
		}
		for _, t := range pi.Topics {
			c.topics[t.Name].Count += t.Count
		}
		if out.MessageCount == 0 || pi.Start < out.Start {
			out.Start = pi.Start
		}
		if out.MessageCount == 0 || pi.End > out.End {
			out.End = pi.End
		}
		out.MessageCount += pi.MessageCount
	}
	if b.storage == StorageMCAP && b.comp == "" {
		out.Compression = joinKeys(comps)
	}
	c.finish()
	return out, firstErr
}

func (b *rosbag2Reader) Messages(opts ReadOptions) (Iterator, error) {
	its := make([]Iterator, 0, len(b.parts))
	for _, p := range b.parts {
		it, err := p.Messages(opts)
		if err != nil {
			return nil, err
		}
		if b.comp == "zstd" {
			it = &zstdMessages{it: it}
		}
		its = append(its, it)
	}
	return mergeIterators(its), nil
}

// zstdMessages decompresses each message of compression_mode MESSAGE.
type zstdMessages struct {
	it  Iterator
	dec *zstd.Decoder
}

func (z *zstdMessages) Next() (*Message, error) {
	m, err := z.it.Next()
	if err != nil {
		return nil, err
	}
	if z.dec == nil {
		if z.dec, err = zstd.NewReader(nil, zstd.WithDecoderMaxMemory(uint64(maxRecordSize))); err != nil {
			return nil, err
		}
	}
	if m.Data, err = z.dec.DecodeAll(m.Data, nil); err != nil {
		return nil, fmt.Errorf("topic %s at log time %d: zstd: %w", m.Topic, m.LogTime, err)
	}
	return m, nil
}

// sqliteFile is one rosbag2 .db3 file.
type sqliteFile struct {
	path string
	db   *sql.DB
	rows *sql.Rows
}

func openSQLite(path string) (*sqliteFile, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, err
	}
	// immutable: a bag is not written while read, and a read-only medium must work too.
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(abs)
	db, err := sql.Open("sqlite", "file:"+esc+"?mode=ro&immutable=1")
	if err != nil {
		return nil, &FileError{Path: path, Offset: -1, Err: err}
	}
	db.SetMaxOpenConns(1)
	f := &sqliteFile{path: path, db: db}
	if _, err := f.topics(); err != nil {
		db.Close()
		return nil, err
	}
	return f, nil
}

func (f *sqliteFile) fail(delivered int, err error) error {
	return &FileError{Path: f.path, Offset: -1, Delivered: delivered, Err: err}
}

type sqliteTopic struct {
	id                   int64
	name, typ, serialFmt string
}

func (f *sqliteFile) topics() (map[int64]sqliteTopic, error) {
	rows, err := f.db.Query(`SELECT id, name, type, serialization_format FROM topics`)
	if err != nil {
		return nil, f.fail(0, fmt.Errorf("%w: not a rosbag2 database: %v", ErrFormat, err))
	}
	defer rows.Close()
	out := map[int64]sqliteTopic{}
	for rows.Next() {
		var t sqliteTopic
		if err := rows.Scan(&t.id, &t.name, &t.typ, &t.serialFmt); err != nil {
			return nil, f.fail(0, err)
		}
		out[t.id] = t
	}
	if err := rows.Err(); err != nil {
		return nil, f.fail(0, err)
	}
	return out, nil
}

func (f *sqliteFile) Close() error {
	if f.rows != nil {
		f.rows.Close()
	}
	return f.db.Close()
}

func (f *sqliteFile) Info() (*Info, error) {
	out := &Info{Path: f.path, Files: []string{filepath.Base(f.path)}, Size: fileSize(f.path), Storage: StorageSQLite3, Compression: "none"}
	topics, err := f.topics()
	if err != nil {
		return out, err
	}
	c := newTopicCounter(out)
	for _, t := range topics {
		c.declare(t.name, t.typ, t.serialFmt)
	}
	rows, err := f.db.Query(`SELECT topic_id, COUNT(*), MIN(timestamp), MAX(timestamp) FROM messages GROUP BY topic_id`)
	if err != nil {
		return out, f.fail(0, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, n, lo, hi int64
		if err := rows.Scan(&id, &n, &lo, &hi); err != nil {
			return out, f.fail(0, err)
		}
		t, ok := topics[id]
		if !ok {
			t = sqliteTopic{name: fmt.Sprintf("<topic id %d>", id)}
		}
		c.add(t.name, t.typ, t.serialFmt, uint64(n), lo, hi)
	}
	c.finish()
	if err := rows.Err(); err != nil {
		return out, f.fail(0, err)
	}
	return out, nil
}

func (f *sqliteFile) Messages(opts ReadOptions) (Iterator, error) {
	if f.rows != nil {
		f.rows.Close()
		f.rows = nil
	}
	topics, err := f.topics()
	if err != nil {
		return nil, err
	}
	q := `SELECT topic_id, timestamp, data FROM messages`
	var args []any
	if len(opts.Topics) > 0 {
		var marks []string
		ids := make([]int64, 0, len(topics))
		for id := range topics {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			if opts.wants(topics[id].name) {
				marks = append(marks, "?")
				args = append(args, id)
			}
		}
		if len(marks) == 0 {
			marks = append(marks, "NULL")
		}
		q += ` WHERE topic_id IN (` + strings.Join(marks, ",") + `)`
	}
	rows, err := f.db.Query(q+` ORDER BY timestamp, id`, args...)
	if err != nil {
		return nil, f.fail(0, err)
	}
	f.rows = rows
	return &sqliteMessages{f: f, rows: rows, topics: topics}, nil
}

type sqliteMessages struct {
	f         *sqliteFile
	rows      *sql.Rows
	topics    map[int64]sqliteTopic
	delivered int
	err       error
}

func (it *sqliteMessages) Next() (*Message, error) {
	if it.err != nil {
		return nil, it.err
	}
	if !it.rows.Next() {
		it.err = io.EOF
		if err := it.rows.Err(); err != nil {
			it.err = it.f.fail(it.delivered, err)
		}
		it.rows.Close()
		return nil, it.err
	}
	var (
		id, ts int64
		data   []byte
	)
	if err := it.rows.Scan(&id, &ts, &data); err != nil {
		it.err = it.f.fail(it.delivered, err)
		it.rows.Close()
		return nil, it.err
	}
	t, ok := it.topics[id]
	if !ok {
		it.err = it.f.fail(it.delivered, fmt.Errorf("%w: message with topic_id %d that the topics table lacks", ErrMalformed, id))
		return nil, it.err
	}
	it.delivered++
	return &Message{Topic: t.name, Type: t.typ, Encoding: t.serialFmt, LogTime: ts, Data: data}, nil
}
