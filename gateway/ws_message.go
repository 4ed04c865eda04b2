package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/lxzan/gws"
	"github.com/oklog/ulid/v2"
	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/messages"
)

// wsIn is any client message: each type reads the fields it needs. CRUD messages are also
// decoded into their command, which reads the REST body fields.
type wsIn struct {
	Type      string   `json:"type"`
	RequestID string   `json:"requestId"`
	BoardID   string   `json:"boardId"`
	LastSeq   *int64   `json:"lastSeq"`
	TaskID    *string  `json:"taskId"`
	X         *float64 `json:"x"`
	Y         *float64 `json:"y"`
	// IfMatch is the WebSocket form of REST's If-Match header: the task version a change
	// expects.
	IfMatch *int `json:"ifMatch"`
}

// The server's own frames; board events and room messages come encoded from the boards.
type (
	wsError struct {
		Type      string            `json:"type"` // "error"
		Code      messages.Code     `json:"code"`
		Message   string            `json:"message"`
		RequestID string            `json:"requestId,omitempty"`
		BoardID   string            `json:"boardId,omitempty"`
		Fields    map[string]string `json:"fields,omitempty"`
		Task      *messages.Task    `json:"task,omitempty"` // precondition_failed: the task as it is
	}
	wsAck struct {
		Type      string         `json:"type"` // "ack"
		RequestID string         `json:"requestId"`
		Task      *messages.Task `json:"task,omitempty"`
		TaskID    string         `json:"taskId,omitempty"` // delete_task
	}
	wsResync struct {
		Type    string `json:"type"` // "resync"
		BoardID string `json:"boardId"`
		Seq     int64  `json:"seq"`
	}
)

var wsPong = []byte(`{"type":"pong"}`)

func newTraceID() string { return ulid.Make().String() }

// wsInMsg is a received message waiting in the inbox.
type wsInMsg struct {
	op   gws.Opcode
	data []byte
}

// enqueue runs on the read loop: it charges the message to the connection's token bucket (a
// client sending faster for longer is closed with 1008) and hands it to the handler, which
// runs on a goroutine of its own only while there are messages. So the read loop's stack stays
// as small as an idle connection needs, whatever handling a message took.
func (c *wsConn) enqueue(op gws.Opcode, data []byte) {
	if !c.allow() {
		c.log(zerolog.WarnLevel).Msg("websocket flooding: closing")
		c.close(closePolicy, "too many messages")
		return
	}
	c.inMu.Lock()
	defer c.inMu.Unlock()
	for len(c.inbox) >= wsInbox && !c.inStopped {
		if c.roomy == nil {
			c.roomy = sync.NewCond(&c.inMu)
		}
		c.roomy.Wait()
	}
	if c.inStopped {
		return
	}
	c.inbox = append(c.inbox, wsInMsg{op: op, data: bytes.Clone(data)})
	if !c.handling {
		c.handling = true
		c.s.ws.wg.Add(1)
		go c.handle()
	}
}

// handle handles the inbox's messages one at a time, in order, until it is empty.
func (c *wsConn) handle() {
	defer c.s.ws.wg.Done()
	for {
		c.inMu.Lock()
		if len(c.inbox) == 0 || c.inStopped {
			c.handling, c.inbox = false, nil
			c.wakeReader()
			c.inMu.Unlock()
			return
		}
		m := c.inbox[0]
		c.inbox = c.inbox[1:]
		c.wakeReader()
		c.inMu.Unlock()
		c.receive(m.op, m.data)
	}
}

// stopInbox drops what waits in the inbox and lets a read loop waiting for room go on: the
// connection is closing.
func (c *wsConn) stopInbox() {
	c.inMu.Lock()
	defer c.inMu.Unlock()
	c.inStopped, c.inbox = true, nil
	c.wakeReader()
}

// wakeReader lets a read loop waiting for room in the inbox go on. Call it with inMu held.
func (c *wsConn) wakeReader() {
	if c.roomy != nil {
		c.roomy.Signal()
	}
}

// receive handles one message. Each gets its own trace id, logged with the outcome. A bad
// message is answered with an error frame and the connection stays open; so is a panic.
func (c *wsConn) receive(op gws.Opcode, data []byte) {
	defer c.guard("message", func() { c.reply(wsError{Type: "error", Code: messages.CodeInternal, Message: "internal error"}) })
	start, req := time.Now(), newTraceID()
	var in wsIn
	err := decodeWS(op, data, &in)
	board := in.BoardID
	if err == nil {
		err = c.dispatch(req, in, data, &board)
	}
	if err != nil {
		c.reply(c.errorFrame(req, in.RequestID, "", err))
	}
	c.logMessage(req, in, board, err, time.Since(start))
}

// decodeWS decodes a text frame holding one JSON object.
func decodeWS(op gws.Opcode, data []byte, dst any) error {
	if op != gws.OpcodeText {
		return messages.Errorf(messages.CodeBadRequest, "messages are JSON objects in text frames")
	}
	if err := json.Unmarshal(data, dst); err != nil {
		return decodeError(err)
	}
	return nil
}

// dispatch runs one decoded message; a task change sets board to the board it went to.
func (c *wsConn) dispatch(req string, in wsIn, data []byte, board *string) error {
	if len(in.RequestID) > maxRequestID {
		return messages.Errorf(messages.CodeValidation, "requestId must be at most %d bytes", maxRequestID).Field("requestId", "length")
	}
	if !messages.ValidText(in.RequestID, false) {
		return messages.Errorf(messages.CodeValidation, "requestId must be text without control characters").Field("requestId", "control")
	}
	if in.BoardID != "" && !messages.ValidID(in.BoardID) {
		return messages.NotFound("board")
	}
	if in.TaskID != nil && *in.TaskID != "" && !messages.ValidID(*in.TaskID) {
		return messages.Errorf(messages.CodeValidation, "taskId is not a valid id").Field("taskId", "format")
	}
	switch in.Type {
	case "ping":
		c.push(wsFrame{data: wsPong})
		return nil
	case "join":
		return c.join(req, in)
	case "leave":
		return c.leave(in)
	case "typing", "stop_typing":
		return c.typing(req, in)
	case "cursor":
		return c.cursor(req, in)
	case "create_task", "update_task", "move_task", "delete_task", "archive_task", "restore_task":
		return c.changeTask(req, in, data, board)
	case "":
		return messages.Errorf(messages.CodeBadRequest, "type is required").Field("type", "required")
	default:
		return messages.Errorf(messages.CodeBadRequest, "unknown message type %q", in.Type).Field("type", "unknown")
	}
}

// reply queues one of the server's own frames.
func (c *wsConn) reply(v any) { c.push(wsFrame{data: mustJSON(v)}) }

// errorFrame turns err into the error frame a client may see: internal failures are logged
// with the trace id and reveal nothing; a board that did not answer in time is unavailable.
func (c *wsConn) errorFrame(req, requestID, boardID string, err error) wsError {
	var e *messages.Error
	switch {
	case errors.As(err, &e) && e.Code != messages.CodeInternal:
	case errors.Is(err, context.DeadlineExceeded):
		e = messages.Errorf(messages.CodeUnavailable, "the board did not answer in time, retry")
	default:
		c.log(zerolog.ErrorLevel).Err(err).Str("req", req).Msg("internal error")
		e = messages.Errorf(messages.CodeInternal, "internal error")
	}
	return wsError{Type: "error", Code: e.Code, Message: e.Message, RequestID: requestID, BoardID: boardID, Fields: e.Fields, Task: e.Current}
}

// logMessage writes one line per message: joins, leaves and changes at info, the chatter
// (ping, typing, cursor) at debug.
func (c *wsConn) logMessage(req string, in wsIn, board string, err error, took time.Duration) {
	var ev *zerolog.Event
	switch in.Type {
	case "ping", "typing", "stop_typing", "cursor":
		ev = c.log(zerolog.DebugLevel)
	default:
		ev = c.log(zerolog.InfoLevel)
	}
	if code := messages.ErrorCode(err); code != "" {
		ev = ev.Str("code", string(code))
	}
	ev.Str("req", req).Str("type", in.Type).Str("board", board).Str("requestId", in.RequestID).
		Dur("duration", took).Msg("websocket message")
}

func requireBoard(in wsIn) error {
	if in.BoardID == "" {
		return messages.Errorf(messages.CodeValidation, "boardId is required").Field("boardId", "required")
	}
	return nil
}

// join enters a board's room: the client gets presence, then the events after lastSeq (or
// resync), then the live events. Joining a board twice on one connection is a conflict.
func (c *wsConn) join(req string, in wsIn) error {
	if err := requireBoard(in); err != nil {
		return err
	}
	if in.LastSeq != nil && *in.LastSeq < 0 {
		return messages.Errorf(messages.CodeValidation, "lastSeq must be an event number (0 or more)").Field("lastSeq", "min")
	}
	c.mu.Lock()
	if !c.out.Open() {
		c.mu.Unlock()
		return nil
	}
	if c.room(in.BoardID) != nil {
		c.mu.Unlock()
		return messages.Errorf(messages.CodeConflict, "already joined %s: leave it first", in.BoardID)
	}
	if len(c.rooms) >= wsMaxRooms {
		c.mu.Unlock()
		return messages.Errorf(messages.CodeValidation, "a connection may join at most %d boards", wsMaxRooms)
	}
	r := &wsRoom{c: c, boardID: in.BoardID, feed: feed{joining: true}}
	c.rooms = append(c.rooms, r)
	c.mu.Unlock()
	return r.subscribe(c.meta(req, ""), in.LastSeq, false)
}

// leave leaves a board's room; leaving a board not joined does nothing.
func (c *wsConn) leave(in wsIn) error {
	if err := requireBoard(in); err != nil {
		return err
	}
	c.mu.Lock()
	r := c.room(in.BoardID)
	c.forget(r)
	c.mu.Unlock()
	if r != nil {
		r.leave()
	}
	return nil
}

// roomSubscription returns the subscription of a joined board, the connection's identity in
// the board's room.
func (c *wsConn) roomSubscription(boardID string) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.room(boardID); r != nil && r.sub != nil {
		return r.sub.ID, nil
	}
	return 0, messages.Errorf(messages.CodeBadRequest, "join %s first", boardID)
}

func (c *wsConn) typing(req string, in wsIn) error {
	if err := requireBoard(in); err != nil {
		return err
	}
	if err := mayWrite(messages.Principal{ReadOnly: c.readOnly}); err != nil {
		return err
	}
	sub, err := c.roomSubscription(in.BoardID)
	if err != nil {
		return err
	}
	ctx, cancel := askContext()
	defer cancel()
	_, err = c.s.cfg.Boards.Do(ctx, messages.Typing{
		Meta: c.meta(req, ""), BoardID: in.BoardID, Subscription: sub, TaskID: in.TaskID, Stop: in.Type == "stop_typing",
	})
	return err
}

func (c *wsConn) cursor(req string, in wsIn) error {
	if err := requireBoard(in); err != nil {
		return err
	}
	if in.X == nil || in.Y == nil {
		return messages.Errorf(messages.CodeValidation, "x and y are required").Field("x", "required")
	}
	if err := mayWrite(messages.Principal{ReadOnly: c.readOnly}); err != nil {
		return err
	}
	sub, err := c.roomSubscription(in.BoardID)
	if err != nil {
		return err
	}
	ctx, cancel := askContext()
	defer cancel()
	_, err = c.s.cfg.Boards.Do(ctx, messages.Cursor{
		Meta: c.meta(req, ""), BoardID: in.BoardID, Subscription: sub, X: *in.X, Y: *in.Y, TaskID: in.TaskID,
	})
	return err
}
