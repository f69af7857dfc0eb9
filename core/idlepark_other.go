//go:build !linux

package core

import "time"

// idlePoller parks idle sessions on Linux only (idlepark_linux.go);
// elsewhere every session keeps its reader goroutine.
type idlePoller struct{}

// parking is empty where sessions do not park.
type parking struct{}

func (*idlePoller) park(*Session) bool            { return false }
func (*idlePoller) setDue(*Session, time.Time)    {}
func (*idlePoller) forget(*Session) (parked bool) { return false }
func (*idlePoller) stop()                         {}
