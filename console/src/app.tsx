import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api/client';
import type { Session } from './api/types';
import { Loading } from './components/status';
import { Link, matchPath, navigate, usePath } from './router';
import { ActivityPage } from './pages/activity';
import { ConnectionEditor } from './pages/connection-editor';
import { ConnectionsPage } from './pages/connections';
import { FlowEditor } from './pages/flow-editor';
import { FlowsPage } from './pages/flows';
import { InsightsPage } from './pages/insights';
import { MappingEditor } from './pages/mapping-editor';
import { MappingsPage } from './pages/mappings';
import { ReplayPage } from './pages/replay';
import { RetryQueuePage } from './pages/retry-queue';
import { SequenceEditor } from './pages/sequence-editor';
import { SequencesPage } from './pages/sequences';
import { SignInPage } from './pages/sign-in';
import { TagsPage } from './pages/tags';

const SECTIONS = [
  { href: '/flows', label: 'Flows' },
  { href: '/connections', label: 'Connections' },
  { href: '/mappings', label: 'Mappings' },
  { href: '/tags', label: 'Tags' },
  { href: '/sequences', label: 'Sequences' },
  { href: '/insights', label: 'Insights' },
  { href: '/activity', label: 'Activity' },
  { href: '/retry-queue', label: 'Retry queue' },
];

/** Each console path and its page; the first that matches is shown. */
const ROUTES: Array<[string, (params: Record<string, string>) => preact.JSX.Element]> = [
  ['/flows', () => <FlowsPage />],
  ['/flows/new', () => <FlowEditor />],
  ['/flows/:id/replay', ({ id }) => <ReplayPage flowId={id!} />],
  ['/flows/:id', ({ id }) => <FlowEditor id={id} />],
  ['/connections', () => <ConnectionsPage />],
  ['/connections/new', () => <ConnectionEditor />],
  ['/connections/:id', ({ id }) => <ConnectionEditor id={id} />],
  ['/mappings', () => <MappingsPage />],
  ['/mappings/new', () => <MappingEditor />],
  ['/mappings/:id', ({ id }) => <MappingEditor id={id} />],
  ['/tags', () => <TagsPage />],
  ['/sequences', () => <SequencesPage />],
  ['/sequences/new', () => <SequenceEditor />],
  ['/sequences/:id', ({ id }) => <SequenceEditor id={id} />],
  ['/insights', () => <InsightsPage />],
  ['/activity', () => <ActivityPage />],
  ['/retry-queue', () => <RetryQueuePage />],
];

function Page({ path }: { path: string }) {
  for (const [pattern, page] of ROUTES) {
    const params = matchPath(pattern, path);
    if (params) return page(params);
  }
  return (
    <section>
      <h1 tabIndex={-1}>Not found</h1>
      <p>
        There is no console page at this address. <Link href="/flows">Go to the flows</Link>.
      </p>
    </section>
  );
}

/** The signed-in console: navigation, the tenant, sign-out, and the page of the path. */
function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const path = usePath();
  const main = useRef<HTMLElement>(null);
  useEffect(() => {
    if (path === '/') navigate('/flows');
    // After a move, focus goes to the new page's heading so keyboard and screen reader users start there.
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [path]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Flowline</span>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map((section) => (
              <li key={section.href}>
                <Link href={section.href} current={path === section.href || path.startsWith(`${section.href}/`)}>
                  {section.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="account">
          <span title={session.tenant.id}>{session.tenant.name}</span>
          <button type="button" class="secondary" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main}>
        <Page path={path} />
      </main>
    </>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    api.onSignedOut = () => setSession(null);
    api.resume().then(
      (resumed) => setSession(resumed ?? null),
      () => setSession(null),
    );
  }, []);
  if (session === undefined) return <Loading what="the console" />;
  if (session === null) return <SignInPage onSignedIn={setSession} />;
  return (
    <Shell
      session={session}
      onSignOut={() => {
        void api.signOut().finally(() => setSession(null));
      }}
    />
  );
}
