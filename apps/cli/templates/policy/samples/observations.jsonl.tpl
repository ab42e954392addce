# Observations as the gate sees them (recorded with `aisle decode --raw`, addresses replaced).
{"kind": "camera", "storeId": "store-1", "sensorId": "door-cam", "at": 1796634000000, "lineId": "entrance", "entries": 2, "exits": 0}
{"kind": "camera", "storeId": "store-1", "sensorId": "street-cam", "at": 1796634060000, "lineId": "street", "entries": 9, "exits": 4}
{"kind": "camera", "storeId": "store-1", "sensorId": "door-cam", "at": 1796634120000, "lineId": "entrance", "entries": 1, "exits": 1}
