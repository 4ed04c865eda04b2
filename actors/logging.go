package actors

import (
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// slogFactory routes protoactor's own logs into zerolog.
func slogFactory(log zerolog.Logger) func(*actor.ActorSystem) *slog.Logger {
	h := zerolog.NewSlogHandler(log.With().Str("lib", "protoactor").Logger())
	return func(*actor.ActorSystem) *slog.Logger { return slog.New(h) }
}

// logPanics logs a panic in Receive with its stack, which protoactor does not, and re-panics
// so the supervisor restarts the actor.
func logPanics(log zerolog.Logger) actor.ReceiverMiddleware {
	return func(next actor.ReceiverFunc) actor.ReceiverFunc {
		return func(c actor.ReceiverContext, env *actor.MessageEnvelope) {
			defer func() {
				if r := recover(); r != nil {
					log.Error().Interface("panic", r).Str("stack", string(debug.Stack())).
						Str("message", typeName(env.Message)).Msg("actor panicked; restarting it")
					panic(r)
				}
			}()
			next(c, env)
		}
	}
}

func typeName(v any) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprintf("%T", v)
}
