import {
  Alert,
  AppShell,
  Badge,
  Burger,
  Button,
  Center,
  Group,
  Loader,
  NavLink,
  NativeSelect,
  Paper,
  PasswordInput,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, api, storeKey, storedKey } from './api';
import { can, type Capability } from './roles';
import { go, href, useRoute } from './router';
import { RefreshSessionContext, SessionContext } from './session';
import type { Session } from './types';
import { StoresPage } from './pages/Stores';
import { FloorPlanPage } from './pages/FloorPlan';
import { LivePage } from './pages/Live';
import { AnalyticsPage } from './pages/Analytics';
import { PolicyPage } from './pages/Policy';
import { PrivacyPage } from './pages/Privacy';
import { WebhooksPage } from './pages/Webhooks';
import { PluginsPage } from './pages/Plugins';

export function App(): ReactNode {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(storedKey() !== null);

  const signIn = useCallback(async (key: string): Promise<void> => {
    storeKey(key);
    try {
      setSession(await api.get<Session>('/api/session'));
    } catch (error) {
      storeKey(null);
      setSession(null);
      throw error;
    }
  }, []);

  useEffect(() => {
    const key = storedKey();
    if (!key) return;
    signIn(key)
      .catch(() => undefined)
      .finally(() => setChecking(false));
  }, [signIn]);

  if (checking) {
    return (
      <Center h="100vh">
        <Loader role="status" aria-label="Checking the saved key" />
      </Center>
    );
  }
  if (!session) return <SignIn onSignIn={signIn} />;
  return (
    <SessionContext.Provider value={session}>
      <RefreshSessionContext.Provider
        value={async () => setSession(await api.get<Session>('/api/session'))}
      >
        <Shell
          session={session}
          onSignOut={() => {
            storeKey(null);
            setSession(null);
            window.location.hash = '';
          }}
        />
      </RefreshSessionContext.Provider>
    </SessionContext.Provider>
  );
}

function SignIn({ onSignIn }: { onSignIn: (key: string) => Promise<void> }): ReactNode {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSignIn(key.trim());
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main>
      <Center mih="100vh" p="md">
        <Paper
          withBorder
          shadow="sm"
          p="xl"
          w={420}
          component="form"
          onSubmit={(e) => void submit(e)}
        >
          <Stack>
            <Title order={1} size="h2">
              Aisle console
            </Title>
            <Text c="dimmed" size="sm">
              Sign in with an API key. It is kept in this tab only (session storage) and sent in a
              header, never in a URL.
            </Text>
            <PasswordInput
              label="API key"
              placeholder="ak_…"
              value={key}
              onChange={(e) => setKey(e.currentTarget.value)}
              error={error}
              autoComplete="off"
              required
            />
            <Button type="submit" loading={busy}>
              Sign in
            </Button>
          </Stack>
        </Paper>
      </Center>
    </main>
  );
}

interface NavItem {
  label: string;
  route: string;
  capability: Capability;
  perStore: boolean;
}

const NAV: NavItem[] = [
  { label: 'Stores', route: 'stores', capability: 'stores.list', perStore: false },
  { label: 'Floor plan', route: 'plan', capability: 'zones.view', perStore: true },
  { label: 'Live', route: 'live', capability: 'live', perStore: true },
  { label: 'Analytics', route: 'analytics', capability: 'analytics', perStore: true },
  { label: 'Policy', route: 'policy', capability: 'policy', perStore: true },
  { label: 'Privacy desk', route: 'privacy', capability: 'fixedDevices', perStore: true },
  { label: 'Webhooks', route: 'webhooks', capability: 'webhooks', perStore: false },
  { label: 'Plugins & sensors', route: 'plugins', capability: 'plugins', perStore: false },
];

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }): ReactNode {
  const [opened, { toggle }] = useDisclosure();
  const route = useRoute();
  const items = NAV.filter((n) => can(session.role, n.capability));
  const [first, second, third] = route;
  const storeIds = session.stores.map((s) => s.id);
  const storeId =
    first === 'stores' && second && storeIds.includes(second) ? second : (storeIds[0] ?? null);
  const page = first === 'stores' && second ? (third ?? 'plan') : (first ?? '');

  useEffect(() => {
    if (route.length === 0 && items[0]) {
      const firstItem = items[0];
      if (firstItem.perStore && storeId) go('stores', storeId, firstItem.route);
      else go(firstItem.route);
    }
  }, [route.length, items, storeId]);

  const linkFor = (item: NavItem): string | null =>
    item.perStore ? (storeId ? href('stores', storeId, item.route) : null) : href(item.route);

  let content: ReactNode;
  const allowed = (cap: Capability): boolean => can(session.role, cap);
  const unknownStore = first === 'stores' && second !== undefined && !storeIds.includes(second);
  if (unknownStore) {
    content = (
      <Alert color="red" title="Not your store">
        This key may not see store “{second}”.
      </Alert>
    );
  } else if (page === 'stores' && allowed('stores.list')) content = <StoresPage />;
  else if (storeId && page === 'plan' && allowed('zones.view'))
    content = <FloorPlanPage storeId={storeId} />;
  else if (storeId && page === 'live' && allowed('live')) content = <LivePage storeId={storeId} />;
  else if (storeId && page === 'analytics' && allowed('analytics'))
    content = <AnalyticsPage storeId={storeId} />;
  else if (storeId && page === 'policy' && allowed('policy'))
    content = <PolicyPage storeId={storeId} />;
  else if (storeId && page === 'privacy' && allowed('fixedDevices'))
    content = <PrivacyPage storeId={storeId} />;
  else if (page === 'webhooks' && allowed('webhooks')) content = <WebhooksPage />;
  else if (page === 'plugins' && allowed('plugins')) content = <PluginsPage />;
  else if (route.length > 0)
    content = (
      <Alert color="gray" title="Nothing here">
        This page does not exist or is not open to a {session.role} key.
      </Alert>
    );

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Title order={1} size="h4">
              Aisle
            </Title>
            {session.stores.length > 0 && items.some((i) => i.perStore) && (
              <NativeSelect
                aria-label="Store"
                size="xs"
                value={storeId ?? ''}
                data={session.stores.map((s) => ({ value: s.id, label: s.name }))}
                onChange={(e) => {
                  const next = e.currentTarget.value;
                  const current = first === 'stores' && third ? third : 'plan';
                  go('stores', next, current);
                }}
              />
            )}
          </Group>
          <Group wrap="nowrap" gap="xs">
            <Badge variant="light" aria-label={`Role ${session.role}`}>
              {session.role}
            </Badge>
            <Text size="sm" visibleFrom="sm">
              {session.name || session.keyId}
            </Text>
            <Button size="xs" variant="default" onClick={onSignOut}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        {items.map((item) => {
          const link = linkFor(item);
          if (!link) return null;
          const active = item.perStore
            ? page === item.route
            : route.length === 1 && first === item.route;
          return (
            <NavLink
              key={item.route}
              href={link}
              label={item.label}
              active={active}
              aria-current={active ? 'page' : undefined}
            />
          );
        })}
      </AppShell.Navbar>
      <AppShell.Main>{content}</AppShell.Main>
    </AppShell>
  );
}
