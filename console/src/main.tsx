import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { loadSchemaShape, storedKey, storeKey, type SchemaShape } from './api';
import { useRoute } from './router';
import { GraphiQLPage } from './pages/graphiql-page';
import { MetricsPage } from './pages/metrics-page';
import { MrrPage } from './pages/mrr-page';
import { AccountsPage } from './pages/accounts-page';
import { AccountPage } from './pages/account-page';
import { DefinitionsPage } from './pages/definitions-page';
import { DeliveriesPage } from './pages/deliveries-page';
import './styles.css';

const PAGES = [
  ['graphiql', 'GraphQL'],
  ['metrics', 'Metrics'],
  ['mrr', 'MRR movements'],
  ['accounts', 'Accounts'],
  ['definitions', 'Definitions'],
  ['deliveries', 'Deliveries'],
] as const;

function App() {
  const route = useRoute();
  const [key, setKey] = useState(storedKey);
  const [shape, setShape] = useState<SchemaShape | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    setShape(null);
    setProblem(null);
    if (!key) return;
    loadSchemaShape().then(setShape, (error: Error) => setProblem(error.message));
  }, [key]);

  const page = route.path[0] ?? 'metrics';
  return (
    <div className="app">
      <header>
        <a className="brand" href="#/metrics">
          Harmony
        </a>
        <nav>
          {PAGES.map(([path, label]) => (
            <a key={path} href={`#/${path}`} className={page === path ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
        <KeyBox
          value={key}
          onChange={(next) => {
            storeKey(next);
            setKey(next);
          }}
        />
      </header>
      <main>
        {!key ? (
          <div className="notice" data-testid="no-key">
            Enter an API key (read, sync or admin scope) above. It is kept in this browser's local
            storage and sent as <code>Authorization: Bearer …</code>; <code>npm start</code> prints
            one.
          </div>
        ) : problem ? (
          <div className="error" data-testid="key-error">
            {problem}
          </div>
        ) : !shape ? (
          <div className="loading">Loading the schema…</div>
        ) : page === 'graphiql' ? (
          <GraphiQLPage route={route} />
        ) : page === 'mrr' ? (
          <MrrPage shape={shape} route={route} />
        ) : page === 'accounts' && route.path[1] ? (
          <AccountPage shape={shape} externalId={route.path[1]} />
        ) : page === 'accounts' ? (
          <AccountsPage route={route} />
        ) : page === 'definitions' ? (
          <DefinitionsPage shape={shape} route={route} />
        ) : page === 'deliveries' ? (
          <DeliveriesPage shape={shape} route={route} />
        ) : (
          <MetricsPage shape={shape} route={route} />
        )}
      </main>
    </div>
  );
}

function KeyBox({ value, onChange }: { value: string; onChange(key: string): void }) {
  const [draft, setDraft] = useState('');
  if (value) {
    return (
      <div className="key-box">
        <span title="Stored in this browser's localStorage">key …{value.slice(-4)}</span>
        <button onClick={() => onChange('')}>Forget key</button>
      </div>
    );
  }
  return (
    <form
      className="key-box"
      onSubmit={(event) => {
        event.preventDefault();
        onChange(draft.trim());
      }}
    >
      <input
        name="api-key"
        type="password"
        placeholder="API key"
        autoComplete="off"
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
      />
      <button type="submit">Use key</button>
    </form>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
