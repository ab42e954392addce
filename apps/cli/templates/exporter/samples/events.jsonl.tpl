# Events as the hub's bus carried them (recorded from a webhook subscription), in order.
{"id": "evt_1", "type": "sensor.online", "storeId": "store-1", "at": 1796634000000, "data": {"sensorId": "door-cam", "domain": "camera-counter"}}
{"id": "evt_2", "type": "visit.started", "storeId": "store-1", "at": 1796634030000, "data": {"subject": "p_0f3a", "visitId": "v_1", "startedAt": 1796634030000}}
{"id": "evt_3", "type": "occupancy.changed", "storeId": "store-1", "at": 1796634060000, "data": {"zoneId": null, "occupancy": 12, "previous": 9, "threshold": 10, "direction": "up"}}
