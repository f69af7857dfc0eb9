package hooks

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// debounce is how long the folder must stay quiet before a rescan: one
// save is often several events (CREATE, WRITE, WRITE, RENAME).
const debounce = 150 * time.Millisecond

// Watch reloads the scripts when their folder changes, until ctx ends.
//
// It watches the folder, not the files: editors save by rename, tools by
// writing a temporary file and renaming it, Kubernetes swaps a "..data"
// symlink; each of these kills a watch on the file itself, and the last
// names no .lua file at all. So any event in the folder leads, once the
// folder is quiet, to a rescan that compares contents. A periodic rescan
// catches what sends no events (NFS, SMB, FUSE, a folder deleted and made
// again). With no scripts folder, Watch returns at once.
func (e *Engine) Watch(ctx context.Context) error {
	if e.opts.Dir == "" {
		return nil
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	watching := e.addWatches(w)
	if e.watchReady != nil {
		e.watchReady()
	}
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	var tick <-chan time.Time
	if every := e.rescanInterval(); every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if filepath.Clean(ev.Name) == filepath.Clean(e.opts.Dir) && ev.Has(fsnotify.Remove|fsnotify.Rename) {
				w.Remove(e.opts.Dir)
				watching = false
			}
			quiet.Reset(debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			e.log.Warn("watching the scripts folder", "err", err)
			quiet.Reset(debounce)
		case <-quiet.C:
			watching = e.rescan(w, watching)
		case <-tick:
			watching = e.rescan(w, watching)
		}
		if e.isClosed() {
			return nil
		}
	}
}

// rescan watches the folder again if it had lost it, then reloads if the
// sources changed.
func (e *Engine) rescan(w *fsnotify.Watcher, watching bool) bool {
	if !watching {
		watching = e.addWatches(w)
	} else {
		e.addLibWatch(w)
	}
	switch changed, err := e.reload(false); {
	case err == errClosed:
	case err != nil:
		e.log.Error("scripts not reloaded; the running scripts stay in force", "err", err)
	case changed:
		s := e.cur.Load()
		e.log.Info("scripts reloaded", "scripts", len(s.scripts), "handlers", len(s.handlers))
	}
	return watching
}

// addWatches watches the folder and its lib/ subfolder; false if the
// folder cannot be watched (it does not exist now).
func (e *Engine) addWatches(w *fsnotify.Watcher) bool {
	if err := w.Add(e.opts.Dir); err != nil {
		return false
	}
	e.addLibWatch(w)
	return true
}

func (e *Engine) addLibWatch(w *fsnotify.Watcher) {
	lib := filepath.Join(e.opts.Dir, "lib")
	if fi, err := os.Stat(lib); err == nil && fi.IsDir() {
		w.Add(lib)
	}
}

func (e *Engine) rescanInterval() time.Duration {
	switch {
	case e.opts.Rescan == 0:
		return 5 * time.Second
	case e.opts.Rescan < 0:
		return 0
	}
	return e.opts.Rescan
}
