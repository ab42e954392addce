import type { ReactNode } from 'react';
import { useRef, type KeyboardEvent } from 'react';
import type { Point, Sensor, Zone } from '../types';

const ZONE_COLOURS = ['#0ca678', '#1c7ed6', '#f59f00', '#ae3ec9', '#e8590c', '#2f9e44', '#3b5bdb'];

export function zoneColour(index: number): string {
  return ZONE_COLOURS[index % ZONE_COLOURS.length]!;
}

export interface PlanViewProps {
  width: number;
  height: number;
  /** Object URL of the floor-plan image (stretched over width × height metres). */
  image?: string | null;
  zones?: Zone[];
  sensors?: Sensor[];
  selectedZone?: string | null;
  /** Extra SVG drawn over the plan (heat cells, coverage, positions, a polygon being drawn). */
  children?: ReactNode;
  /** Plan coordinates (metres) of a click on the plan. */
  onPlanClick?: (point: Point) => void;
  /** Sensor dragged to a new position (metres); called on release. */
  onSensorMoved?: (sensor: Sensor, point: Point) => void;
  onSensorDrag?: (sensor: Sensor, point: Point) => void;
  /**
   * A polygon whose corners are edited on the plan: corners are dragged (or moved with the arrow
   * keys when focused), removed with a double click or Delete, and a corner is added by dragging
   * (or pressing Enter on) the handle in the middle of an edge.
   */
  editPolygon?: { name: string; points: Point[]; onChange: (points: Point[]) => void };
  label: string;
}

/** The fewest corners a zone polygon has (as the API). */
const MIN_CORNERS = 3;
/** Arrow keys move a corner by 10 cm, with Shift by 1 m. */
const KEY_STEP_M = 0.1;
const KEY_STEP_SHIFT_M = 1;

const round = (v: number): number => Math.round(v * 10) / 10;

/**
 * The store drawn to scale: y = 0 is the bottom edge (as in the API), 1 unit = 1 metre. Zones
 * are polygons, sensors are draggable dots (pointer, or keyboard through the sensor form).
 */
export function PlanView(props: PlanViewProps): ReactNode {
  const { width, height } = props;
  const svg = useRef<SVGSVGElement>(null);
  const dragging = useRef<Sensor | null>(null);
  const vertex = useRef<number | null>(null);
  // The corner last pressed: a double click lands on the plan (it holds the pointer capture).
  const pressed = useRef<number | null>(null);
  const edit = props.editPolygon;
  const moveVertex = (i: number, p: Point): void => {
    if (!edit) return;
    edit.onChange(edit.points.map((q, j) => (j === i ? p : q)));
  };
  const removeVertex = (i: number): void => {
    if (!edit || edit.points.length <= MIN_CORNERS) return;
    edit.onChange(edit.points.filter((_, j) => j !== i));
  };
  const insertVertex = (after: number): number => {
    if (!edit) return -1;
    const a = edit.points[after]!;
    const b = edit.points[(after + 1) % edit.points.length]!;
    const mid = { x: round((a.x + b.x) / 2), y: round((a.y + b.y) / 2) };
    edit.onChange([...edit.points.slice(0, after + 1), mid, ...edit.points.slice(after + 1)]);
    return after + 1;
  };
  const onVertexKey = (i: number, e: KeyboardEvent): void => {
    const p = edit?.points[i];
    if (!p) return;
    const step = e.shiftKey ? KEY_STEP_SHIFT_M : KEY_STEP_M;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, step],
      ArrowDown: [0, -step],
    };
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      moveVertex(i, {
        x: round(Math.min(width, Math.max(0, p.x + move[0]))),
        y: round(Math.min(height, Math.max(0, p.y + move[1]))),
      });
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      removeVertex(i);
    }
  };

  const toPlan = (event: { clientX: number; clientY: number }): Point | null => {
    const el = svg.current;
    const matrix = el?.getScreenCTM();
    if (!el || !matrix) return null;
    const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
    const x = Math.min(width, Math.max(0, p.x));
    const y = Math.min(height, Math.max(0, height - p.y));
    return { x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10 };
  };

  const pad = Math.max(width, height) * 0.02;
  return (
    <svg
      ref={svg}
      // With corner handles (buttons) inside, the plan is a group rather than a single image.
      role={edit ? 'group' : 'img'}
      aria-label={props.label}
      viewBox={`${-pad} ${-pad} ${width + 2 * pad} ${height + 2 * pad}`}
      style={{ width: '100%', maxHeight: '70vh', background: '#f8f9fa', touchAction: 'none' }}
      onClick={(e) => {
        if (!props.onPlanClick || dragging.current) return;
        const p = toPlan(e);
        if (p) props.onPlanClick(p);
      }}
      onDoubleClick={() => {
        if (pressed.current !== null) removeVertex(pressed.current);
        pressed.current = null;
      }}
      onPointerDown={(e) => {
        const target = e.target as Element;
        const corner = target.closest('[data-vertex]')?.getAttribute('data-vertex') ?? null;
        const edge = target.closest('[data-midpoint]')?.getAttribute('data-midpoint') ?? null;
        if (edit && (corner !== null || edge !== null)) {
          e.preventDefault();
          svg.current?.setPointerCapture(e.pointerId);
          vertex.current = corner !== null ? Number(corner) : insertVertex(Number(edge));
          pressed.current = corner !== null ? vertex.current : null;
          return;
        }
        pressed.current = null;
        if (!props.onSensorMoved) return;
        const id = (e.target as Element).closest('[data-sensor]')?.getAttribute('data-sensor');
        const sensor = props.sensors?.find((s) => s.id === id);
        if (!sensor) return;
        e.preventDefault();
        svg.current?.setPointerCapture(e.pointerId);
        dragging.current = sensor;
      }}
      onPointerMove={(e) => {
        if (vertex.current !== null) {
          const p = toPlan(e);
          if (p) moveVertex(vertex.current, p);
          return;
        }
        if (!dragging.current) return;
        const p = toPlan(e);
        if (p) props.onSensorDrag?.(dragging.current, p);
      }}
      onPointerUp={(e) => {
        if (vertex.current !== null) {
          svg.current?.releasePointerCapture(e.pointerId);
          vertex.current = null;
          return;
        }
        const sensor = dragging.current;
        if (!sensor) return;
        svg.current?.releasePointerCapture(e.pointerId);
        const p = toPlan(e);
        // Let the click that follows the release pass without adding a vertex.
        setTimeout(() => (dragging.current = null), 0);
        if (p) props.onSensorMoved?.(sensor, p);
      }}
    >
      <rect
        x={0}
        y={0}
        width={width}
        height={height}
        fill="#fff"
        stroke="#868e96"
        strokeWidth={0.08}
      />
      {props.image && (
        <image
          href={props.image}
          x={0}
          y={0}
          width={width}
          height={height}
          preserveAspectRatio="none"
          opacity={0.85}
        />
      )}
      {(props.zones ?? []).map((zone, i) => (
        <g key={zone.id}>
          <polygon
            points={zone.polygon.map((p) => `${p.x},${height - p.y}`).join(' ')}
            fill={zoneColour(i)}
            fillOpacity={props.selectedZone === zone.id ? 0.35 : 0.15}
            stroke={zoneColour(i)}
            strokeWidth={props.selectedZone === zone.id ? 0.2 : 0.08}
          >
            <title>{`${zone.name} (${zone.id})${zone.tags.length ? `: ${zone.tags.join(', ')}` : ''}`}</title>
          </polygon>
          <text
            x={centre(zone.polygon).x}
            y={height - centre(zone.polygon).y}
            fontSize={Math.max(width, height) / 45}
            textAnchor="middle"
            fill="#343a40"
            pointerEvents="none"
          >
            {zone.id}
          </text>
        </g>
      ))}
      {props.children}
      {edit && (
        <g data-testid="corner-handles">
          {edit.points.map((p, i) => {
            const q = edit.points[(i + 1) % edit.points.length]!;
            return (
              <circle
                key={`m${i}`}
                data-midpoint={i}
                role="button"
                tabIndex={0}
                aria-label={`Add a corner to ${edit.name} between corners ${i + 1} and ${((i + 1) % edit.points.length) + 1}`}
                cx={(p.x + q.x) / 2}
                cy={height - (p.y + q.y) / 2}
                r={Math.max(width, height) / 160}
                fill="#fff"
                stroke="#495057"
                strokeWidth={0.06}
                style={{ cursor: 'copy' }}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    insertVertex(i);
                  }
                }}
              />
            );
          })}
          {edit.points.map((p, i) => (
            <circle
              key={`v${i}`}
              data-vertex={i}
              role="button"
              tabIndex={0}
              aria-label={`Corner ${i + 1} of ${edit.name} at ${p.x}, ${p.y} m: arrow keys move it, Delete removes it`}
              cx={p.x}
              cy={height - p.y}
              r={Math.max(width, height) / 110}
              fill="#e8590c"
              stroke="#fff"
              strokeWidth={0.08}
              style={{ cursor: 'move' }}
              onKeyDown={(e) => onVertexKey(i, e)}
            />
          ))}
        </g>
      )}
      {(props.sensors ?? []).map((sensor) => (
        <g
          key={sensor.id}
          data-sensor={sensor.id}
          style={{ cursor: props.onSensorMoved ? 'grab' : 'default' }}
        >
          <circle
            cx={sensor.x}
            cy={height - sensor.y}
            r={Math.max(width, height) / 80}
            fill={sensor.enabled ? '#212529' : '#adb5bd'}
            stroke="#fff"
            strokeWidth={0.1}
          />
          <title>{`Sensor ${sensor.id} (${sensor.domain}) at ${sensor.x}, ${sensor.y} m`}</title>
        </g>
      ))}
      <ScaleBar width={width} height={height} />
    </svg>
  );
}

/** A scale bar of a round number of metres at the bottom left. */
function ScaleBar({ width, height }: { width: number; height: number }): ReactNode {
  const target = width / 5;
  const step = [1, 2, 5, 10, 20, 50, 100, 200, 500].find((s) => s >= target) ?? 1000;
  const y = height + Math.max(width, height) * 0.012;
  const size = Math.max(width, height) / 60;
  return (
    <g aria-hidden="true">
      <line x1={0} y1={y} x2={step} y2={y} stroke="#212529" strokeWidth={0.1} />
      <text x={step + size / 2} y={y + size / 3} fontSize={size} fill="#212529">
        {step} m
      </text>
    </g>
  );
}

export function centre(polygon: Point[]): Point {
  const n = polygon.length || 1;
  return {
    x: polygon.reduce((s, p) => s + p.x, 0) / n,
    y: polygon.reduce((s, p) => s + p.y, 0) / n,
  };
}

/** Colour from green (0) to red (1). */
export function ramp(t: number): string {
  const v = Math.min(1, Math.max(0, t));
  const hue = (1 - v) * 120;
  return `hsl(${hue}, 80%, 45%)`;
}
