import { Alert, Loader, Stack, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { ApiError } from '../api';

export function Page(props: {
  title: string;
  children: ReactNode;
  actions?: ReactNode;
}): ReactNode {
  return (
    <Stack gap="md">
      <Title order={2}>{props.title}</Title>
      {props.actions}
      {props.children}
    </Stack>
  );
}

export function Status(props: { loading: boolean; error: string | null }): ReactNode {
  if (props.error) {
    return (
      <Alert color="red" title="The API said" role="alert">
        {props.error}
      </Alert>
    );
  }
  if (props.loading) return <Loader size="sm" role="status" aria-label="Loading" />;
  return null;
}

/** The error of a failed write: the API message, or the field messages shown by the form. */
export function errorText(e: unknown): string {
  return e instanceof ApiError || e instanceof Error ? e.message : String(e);
}

export function fieldError(e: unknown, field: string): string | undefined {
  return e instanceof ApiError ? e.forField(field) : undefined;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
