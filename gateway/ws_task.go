package gateway

import (
	"encoding/json"

	"github.com/taskboard/taskboard/messages"
)

// changeTask answers create_task, update_task, move_task, delete_task, archive_task and
// restore_task: the same board commands
// as REST, run the same way (Boards.Do), answered with ack or error. The board event goes to
// every subscriber as usual; a sender that joined the board gets it before the ack. It sets
// board to the board of the task, for the log.
func (c *wsConn) changeTask(req string, in wsIn, data []byte, board *string) error {
	if in.RequestID == "" {
		return messages.Errorf(messages.CodeValidation, "requestId is required").Field("requestId", "required")
	}
	if err := mayWrite(messages.Principal{ReadOnly: c.readOnly}); err != nil {
		return err
	}
	cmd, err := c.taskCommand(req, in, data)
	if err != nil {
		return err
	}
	ctx, cancel := askContext()
	defer cancel()
	res, err := c.s.cfg.Boards.Do(ctx, cmd)
	if in.Type == "create_task" {
		err = unknownList(err)
	} else {
		err = taskNotFound(err)
	}
	if err != nil {
		return err
	}
	ack := wsAck{Type: "ack", RequestID: in.RequestID}
	if in.Type == "delete_task" {
		ack.TaskID = *in.TaskID
	} else {
		if res.Task == nil {
			return missing("task")
		}
		ack.Task, *board = res.Task, res.Task.BoardID
	}
	c.reply(ack)
	return nil
}

// taskCommand decodes a task change's body fields into its command, as REST's decodeCommand
// does; identity and the trace id come from the connection, the mutation id from
// clientMutationId, the task id and expected version from the message.
func (c *wsConn) taskCommand(req string, in wsIn, data []byte) (messages.Command, error) {
	if in.Type != "create_task" && (in.TaskID == nil || *in.TaskID == "") {
		return nil, messages.Errorf(messages.CodeValidation, "taskId is required").Field("taskId", "required")
	}
	if in.IfMatch != nil && *in.IfMatch < 1 {
		return nil, messages.Errorf(messages.CodeValidation, "ifMatch must be a task version such as 3").Field("ifMatch", "format")
	}
	decode := func(cmd any, m *messages.Meta) error {
		if err := json.Unmarshal(data, cmd); err != nil {
			return decodeError(err)
		}
		if err := checkMutationID(m.MutationID); err != nil {
			return err
		}
		*m = c.meta(req, m.MutationID)
		return nil
	}
	switch in.Type {
	case "create_task":
		var cmd messages.CreateTask
		err := decode(&cmd, &cmd.Meta)
		return cmd, err
	case "update_task":
		var cmd messages.UpdateTask
		err := decode(&cmd, &cmd.Meta)
		cmd.TaskID, cmd.IfMatch = *in.TaskID, in.IfMatch
		return cmd, err
	case "move_task":
		var cmd messages.MoveTask
		err := decode(&cmd, &cmd.Meta)
		cmd.TaskID, cmd.IfMatch = *in.TaskID, in.IfMatch
		return cmd, err
	case "archive_task":
		var cmd messages.ArchiveTask
		err := decode(&cmd, &cmd.Meta)
		cmd.TaskID, cmd.IfMatch = *in.TaskID, in.IfMatch
		return cmd, err
	case "restore_task":
		var cmd messages.RestoreTask
		err := decode(&cmd, &cmd.Meta)
		cmd.TaskID, cmd.IfMatch = *in.TaskID, in.IfMatch
		return cmd, err
	default:
		var cmd messages.DeleteTask
		err := decode(&cmd, &cmd.Meta)
		cmd.TaskID, cmd.IfMatch = *in.TaskID, in.IfMatch
		return cmd, err
	}
}
