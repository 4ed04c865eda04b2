package gateway

import (
	"context"
	"encoding/json"

	"github.com/taskboard/taskboard/messages"
)

// mutate answers create_task, update_task, move_task and delete_task: the same board commands
// as REST, with the same validation and errors, answered with ack or error. The board event
// goes to every subscriber as usual; a sender that joined the board gets it before the ack.
func (c *wsConn) mutate(req string, in wsIn, data []byte, board *string) error {
	if in.RequestID == "" {
		return messages.Errorf(messages.CodeValidation, "requestId is required").Field("requestId", "required")
	}
	if err := mayWrite(messages.Principal{ReadOnly: c.readOnly}); err != nil {
		return err
	}
	if in.Type != "create_task" && (in.TaskID == nil || *in.TaskID == "") {
		return messages.Errorf(messages.CodeValidation, "taskId is required").Field("taskId", "required")
	}
	if in.IfMatch != nil && *in.IfMatch < 1 {
		return messages.Errorf(messages.CodeValidation, "ifMatch must be a task version such as 3").Field("ifMatch", "format")
	}
	ctx, cancel := askContext()
	defer cancel()
	ack := wsAck{Type: "ack", RequestID: in.RequestID}
	var res messages.Result
	var err error
	switch in.Type {
	case "create_task":
		res, err = c.createTask(ctx, req, data, board, fingerprint(in))
	case "update_task":
		var cmd messages.UpdateTask
		if err = c.decodeMutation(req, data, &cmd, &cmd.Meta, fingerprint(in)); err == nil {
			cmd.TaskID, cmd.IfMatch = *in.TaskID, in.IfMatch
			res, err = c.taskCommand(ctx, cmd.Meta, cmd.TaskID, board, func(board string) messages.Command { cmd.BoardID = board; return cmd })
		}
	case "move_task":
		var cmd messages.MoveTask
		if err = c.decodeMutation(req, data, &cmd, &cmd.Meta, fingerprint(in)); err == nil {
			cmd.TaskID, cmd.IfMatch = *in.TaskID, in.IfMatch
			res, err = c.taskCommand(ctx, cmd.Meta, cmd.TaskID, board, func(board string) messages.Command { cmd.BoardID = board; return cmd })
		}
	case "delete_task":
		var cmd messages.DeleteTask
		if err = c.decodeMutation(req, data, &cmd, &cmd.Meta, fingerprint(in)); err == nil {
			cmd.TaskID, cmd.IfMatch = *in.TaskID, in.IfMatch
			_, err = c.taskCommand(ctx, cmd.Meta, cmd.TaskID, board, func(board string) messages.Command { cmd.BoardID = board; return cmd })
			ack.TaskID = cmd.TaskID
		}
	}
	if err != nil {
		return err
	}
	if in.Type != "delete_task" {
		if res.Task == nil {
			return missing("task")
		}
		ack.Task = res.Task
	}
	c.reply(ack)
	return nil
}

// fingerprint names a mutation as its REST twin does (method and path), so that its
// clientMutationId is bound to it, and a retry over either transport gets the first answer.
func fingerprint(in wsIn) string {
	id := ""
	if in.TaskID != nil {
		id = *in.TaskID
	}
	switch in.Type {
	case "create_task":
		return "POST /tasks"
	case "update_task":
		return "PATCH /tasks/" + id
	case "move_task":
		return "PATCH /tasks/" + id + "/move"
	default:
		return "DELETE /tasks/" + id
	}
}

// decodeMutation decodes a message's body fields into cmd and validates it, as REST's
// decodeCommand does; identity and the trace id come from the connection, the mutation id
// from clientMutationId.
func (c *wsConn) decodeMutation(req string, data []byte, cmd any, m *messages.Meta, fingerprint string) error {
	if err := json.Unmarshal(data, cmd); err != nil {
		return decodeError(err)
	}
	key := m.MutationID
	if len(key) > maxMutationID {
		return messages.Errorf(messages.CodeValidation,
			"the idempotency key must be at most %d bytes", maxMutationID).Field("clientMutationId", "length")
	}
	*m = c.meta(req, key)
	m.Fingerprint = fingerprint
	if v, ok := cmd.(validator); ok {
		return v.Validate()
	}
	return nil
}

// createTask sends create_task to the board of its list; a listId the caller cannot see is a
// validation error on listId, as on REST.
func (c *wsConn) createTask(ctx context.Context, req string, data []byte, board *string, fingerprint string) (messages.Result, error) {
	var cmd messages.CreateTask
	if err := c.decodeMutation(req, data, &cmd, &cmd.Meta, fingerprint); err != nil {
		return messages.Result{}, err
	}
	if res, found, err := c.s.cfg.Boards.Replayed(ctx, cmd.Meta); found || err != nil {
		return res, err
	}
	var err error
	if cmd.BoardID, err = c.s.cfg.Boards.BoardOfList(ctx, cmd.ListID); err != nil {
		return messages.Result{}, unknownList(err)
	}
	*board = cmd.BoardID
	res, err := c.s.cfg.Boards.Do(ctx, cmd)
	return res, unknownList(err)
}

// taskCommand sends the command that command builds for the board holding taskID, which it
// sets in board. A retried mutation id gets its first answer before the task is looked up
// (the first answer may have deleted it). Every not_found is the same "task not found", as on
// REST.
func (c *wsConn) taskCommand(ctx context.Context, m messages.Meta, taskID string, board *string, command func(boardID string) messages.Command) (messages.Result, error) {
	if res, found, err := c.s.cfg.Boards.Replayed(ctx, m); found || err != nil {
		return res, err
	}
	boardID, err := c.s.cfg.Boards.BoardOfTask(ctx, taskID)
	if err != nil {
		return messages.Result{}, taskNotFound(err)
	}
	*board = boardID
	res, err := c.s.cfg.Boards.Do(ctx, command(boardID))
	return res, taskNotFound(err)
}
