package core

import (
	"context"
	"io"
)

// Stubs of the data-side handlers, replaced as they are written.

func (s *Session) cmdTYPE(r *request) Reply { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdSTRU(r *request) Reply { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdMODE(r *request) Reply { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdPORT(r *request) Reply { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdEPRT(r *request) Reply { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdPASV(r *request) Reply { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdEPSV(r *request) Reply { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdREST(r *request) Reply { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdRETR(r *request) Reply { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdSTOR(r *request) Reply { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdSTOU(r *request) Reply { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdAPPE(r *request) Reply { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdABOR(r *request) Reply { return NewReply(502, "Command not implemented.") }

// dataState is a session's data channel: a prepared passive listener or
// active address, the protection level, and the transfer running now.
type dataState struct{}

// close releases a prepared passive listener or active address.
func (d *dataState) close() {}

// transferred is the number of bytes moved by the running transfer (STAT).
func (d *dataState) transferred() int64 { return 0 }

// sendData opens the data connection the client prepared, replies 150,
// calls produce with the connection, closes it and returns 226 (or 425 when
// no connection could be made, 426 when it broke or r.ctx was cancelled).
// Listings use it; produce writes CRLF line ends itself.
func (s *Session) sendData(r *request, produce func(w io.Writer) error) Reply {
	return NewReply(502, "Command not implemented.")
}

// SendData is sendData for scripts (ev:send): it writes the final reply
// itself too, and returns an error when the transfer failed.
func (s *Session) SendData(ctx context.Context, data []byte) error { return nil }
