# Recorded from a counter at the entrance: mosquitto_sub -v -t '__DOMAIN__/#', one message a line.
{"t": 1796634000000, "topic": "__DOMAIN__/door-1/counts", "payload": {"line": "entrance", "in": 3, "out": 0, "at": "2026-12-07T09:00:00Z"}}
{"t": 1796634060000, "topic": "__DOMAIN__/door-1/counts", "payload": {"line": "entrance", "in": 1, "out": 2, "at": "2026-12-07T09:01:00Z"}}
{"t": 1796634120000, "topic": "__DOMAIN__/door-1/counts", "payload": {"line": "entrance", "in": 0, "out": 1, "at": "2026-12-07T09:02:00Z"}}
