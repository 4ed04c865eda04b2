package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// api is the REST side of the server: logging in, reading a board, creating the events.
type api struct {
	url    string
	client *http.Client
}

func newAPI(url string) *api {
	// Enough idle connections for the mutation driver's concurrent requests: without them
	// every request past the second would open (and leave in TIME_WAIT) a connection.
	return newAPIWith(url, &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512}})
}

func newAPIWith(url string, client *http.Client) *api { return &api{url: url, client: client} }

func (a *api) do(ctx context.Context, method, path, token string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.url+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(b, out)
	}
	return resp.StatusCode, nil
}

func (a *api) login(ctx context.Context, email, password string) (string, error) {
	var sess struct{ Token string }
	_, err := a.do(ctx, "POST", "/auth/login", "", map[string]string{"email": email, "password": password}, &sess)
	return sess.Token, err
}

// firstList returns the id of a board's first list, where the timed events are created.
func (a *api) firstList(ctx context.Context, token, boardID string) (string, error) {
	var snap struct {
		Lists []struct{ ID string } `json:"lists"`
	}
	if _, err := a.do(ctx, "GET", "/boards/"+boardID, token, nil, &snap); err != nil {
		return "", err
	}
	if len(snap.Lists) == 0 {
		return "", fmt.Errorf("board %s has no list", boardID)
	}
	return snap.Lists[0].ID, nil
}

// createTask creates a task in a list and returns its id.
func (a *api) createTask(ctx context.Context, token, listID, title string) (string, error) {
	var task struct{ ID string }
	_, err := a.do(ctx, "POST", "/tasks", token, map[string]string{"listId": listID, "title": title}, &task)
	return task.ID, err
}

// renameTask sets a task's title.
func (a *api) renameTask(ctx context.Context, token, taskID, title string) error {
	_, err := a.do(ctx, "PATCH", "/tasks/"+taskID, token, map[string]string{"title": title}, nil)
	return err
}
