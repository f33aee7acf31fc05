// Package rundir gives a run its own output folder, so that two runs never
// mix their files in one folder (a journal.jsonl left by an earlier run
// graded with a later run's results, say) and no earlier run is overwritten
// without a word.
//
// A run either claims a folder the user named (Claim: it must be empty or
// missing, or hold an earlier harness run and come with overwrite, in which
// case that run is removed first) or gets a fresh one (Fresh: a new
// timestamped sub-folder, never an existing one). A claimed folder holds a
// marker file, Marker, naming the command that owns it: only a folder with
// that marker is ever emptied, so --overwrite cannot delete a folder of the
// user's own files.
package rundir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Marker is the file that marks a folder as a harness run's.
const Marker = ".harness-run"

// Errors Claim wraps, for errors.Is (both are usage errors: the fix is the
// user's choice of folder or flag).
var (
	// ErrNotEmpty: the folder holds an earlier run, and overwrite is off.
	ErrNotEmpty = errors.New("folder is not empty")
	// ErrNotRun: the folder holds files that are not a harness run's, so
	// even overwrite leaves it alone.
	ErrNotRun = errors.New("folder holds files that are not a harness run's")
)

// ClaimOption is an option of Claim.
type ClaimOption func(*claimConfig)

type claimConfig struct {
	without string
}

// Without tells Claim what leaving the folder flag out does for this
// command (e.g. "leave --out out for a fresh timestamped folder under
// runs/", or "leave --out out to run without writing files"), so the
// advice of a refusal is right for the command. Without it the advice
// names no such way out (a command that requires the folder).
func Without(advice string) ClaimOption {
	return func(c *claimConfig) { c.without = advice }
}

// Claim makes dir the output folder of one run of command (e.g. "load"):
// it creates dir when missing; refuses a non-empty dir unless overwrite is
// set and dir holds an earlier harness run (its Marker), which is then
// removed; and writes the Marker. now is the claim's time, recorded in the
// marker. Errors name the folder and the way out.
func Claim(dir, command string, overwrite bool, now time.Time, opts ...ClaimOption) error {
	var cfg claimConfig
	for _, o := range opts {
		o(&cfg)
	}
	if dir == "" {
		return errors.New("rundir: no folder given")
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("%s: cannot create the run folder: %w", dir, err)
		}
		return mark(dir, command, now)
	case err != nil:
		return fmt.Errorf("%s: %w", dir, err)
	case !fi.IsDir():
		return fmt.Errorf("%s: is a file, not a folder: give a folder for the run's files: %w", dir, ErrNotRun)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if len(entries) == 0 {
		return mark(dir, command, now)
	}
	prev, err := os.ReadFile(filepath.Join(dir, Marker))
	if err != nil {
		return fmt.Errorf("%s: is not empty and is not a harness run folder (no %s), so the harness will not write into it or clear it: "+
			"give an empty or new folder: %w", dir, Marker, ErrNotRun)
	}
	if !overwrite {
		ways := "give a new folder"
		if cfg.without != "" {
			ways += ", " + cfg.without + ","
		}
		return fmt.Errorf("%s: holds an earlier run (%s): %s or add --overwrite to replace that run: %w",
			dir, firstLine(prev), ways, ErrNotEmpty)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("%s: cannot remove the earlier run: %w", dir, err)
		}
	}
	return mark(dir, command, now)
}

// Fresh creates a new folder parent/name-<UTC time of now>, adding -2, -3, …
// when that folder exists already (two runs in the same second), claims it
// for command and returns its path. It never reuses a folder.
func Fresh(parent, name, command string, now time.Time) (string, error) {
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("%s: cannot create the runs folder: %w", parent, err)
	}
	base := filepath.Join(parent, name+"-"+now.UTC().Format("20060102-150405"))
	for i := 1; i <= 1000; i++ {
		dir := base
		if i > 1 {
			dir += "-" + strconv.Itoa(i)
		}
		err := os.Mkdir(dir, 0o755) // atomic: fails if it exists
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("%s: cannot create the run folder: %w", dir, err)
		}
		return dir, mark(dir, command, now)
	}
	return "", fmt.Errorf("%s: 1000 run folders for this second exist already", base)
}

func mark(dir, command string, now time.Time) error {
	text := fmt.Sprintf("harness %s run, started %s\n", command, now.UTC().Format(time.RFC3339))
	if err := os.WriteFile(filepath.Join(dir, Marker), []byte(text), 0o644); err != nil {
		return fmt.Errorf("%s: cannot write to the run folder: %w", dir, err)
	}
	return nil
}

func firstLine(b []byte) string {
	for i, c := range b {
		if c == '\n' {
			b = b[:i]
			break
		}
	}
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}

// Contains reports whether path lies inside the folder dir (or is dir),
// after resolving symbolic links of both as far as they exist, so that a
// file of a run (dir) is never overwritten by a command writing path.
func Contains(dir, path string) (bool, error) {
	d, err := resolve(dir)
	if err != nil {
		return false, err
	}
	p, err := resolve(path)
	if err != nil {
		return false, err
	}
	rel, err := filepath.Rel(d, p)
	if err != nil {
		return false, nil // on different volumes: not inside
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))), nil
}

// resolve is the absolute path of p with the symbolic links of its longest
// existing prefix resolved (the rest, not yet created, appended as given).
func resolve(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	rest := ""
	for cur := abs; ; {
		r, err := filepath.EvalSymlinks(cur)
		if err == nil {
			return filepath.Join(r, rest), nil
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}
