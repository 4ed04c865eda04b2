package gateway

// EndRooms ends the WebSocket rooms of boardID with reason, as the board does when it ends
// their subscriptions: black-box tests reach the step after a board's decision this way.
func EndRooms(s *Server, boardID, reason string) {
	var rooms []*wsRoom
	s.ws.mu.Lock()
	for c := range s.ws.conns {
		c.mu.Lock()
		if r := c.room(boardID); r != nil {
			rooms = append(rooms, r)
		}
		c.mu.Unlock()
	}
	s.ws.mu.Unlock()
	for _, r := range rooms {
		r.End(reason)
	}
}
