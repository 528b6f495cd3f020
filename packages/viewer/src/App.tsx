/** Route table: login, session list, player, links, tokens, problems, issues, webhooks, share links. Everything else is a small 404. */
import { Link, usePathname } from './router';
import { LoginPage } from './pages/LoginPage';
import { SessionListPage } from './pages/SessionListPage';
import { SessionPage } from './pages/SessionPage';
import { LinksPage } from './pages/LinksPage';
import { TokensPage } from './pages/TokensPage';
import { ProblemsPage } from './pages/ProblemsPage';
import { SharePage } from './pages/SharePage';
import { WebhooksPage } from './pages/WebhooksPage';
import { IssuesPage } from './pages/IssuesPage';
import { IssuePage } from './pages/IssuePage';
import { Header } from './Header';
import { ErrorBoundary, PartFailed } from './ErrorBoundary';

export function App() {
  const path = usePathname();
  if (path === '/login') return <LoginPage />;
  // A share link needs no login: no header (it would ask who is logged in), only the shared session.
  const shared = /^\/s\/([^/]+)\/?$/.exec(path);
  if (shared) return <SharePage key={shared[1]} token={decodeURIComponent(shared[1]!)} />;

  let page;
  const session = /^\/sessions\/([^/]+)\/?$/.exec(path);
  const issue = /^\/issues\/([^/]+)\/?$/.exec(path);
  if (path === '/' || path === '') page = <SessionListPage />;
  else if (path === '/links' || path === '/links/') page = <LinksPage />;
  else if (path === '/tokens' || path === '/tokens/') page = <TokensPage />;
  else if (path === '/problems' || path === '/problems/') page = <ProblemsPage />;
  else if (path === '/webhooks' || path === '/webhooks/') page = <WebhooksPage />;
  else if (path === '/issues' || path === '/issues/') page = <IssuesPage />;
  else if (issue) page = <IssuePage key={issue[1]} id={decodeURIComponent(issue[1])} />;
  // Keyed by id so moving between sessions tears down the old replayer completely.
  else if (session) page = <SessionPage key={session[1]} id={decodeURIComponent(session[1])} />;
  else
    page = (
      <main className="page">
        <h1>Not found</h1>
        <p>
          Nothing lives at <code>{path}</code>. <Link to="/">Back to sessions</Link>
        </p>
      </main>
    );
  return (
    <>
      <Header />
      {/* The last wall: a page that fails keeps the header, so the user can go elsewhere. */}
      <ErrorBoundary resetKey={path} fallback={(error, retry) => <PartFailed what="page" error={error} retry={retry} />}>
        {page}
      </ErrorBoundary>
    </>
  );
}
