import { ApolloProvider } from '@apollo/client/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from './apollo';
import { App } from './App';
import { Session } from './session';
import { loadSettings } from './settings';

const root = createRoot(document.getElementById('root')!);
loadSettings().then(
  (settings) =>
    root.render(
      <StrictMode>
        <ApolloProvider client={createClient(settings.apiUrl)}>
          <App settings={settings} session={new Session(settings.apiUrl)} />
        </ApolloProvider>
      </StrictMode>,
    ),
  (error: unknown) => root.render(<p role="alert">Cannot start: {String(error)}</p>),
);
