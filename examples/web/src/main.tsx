import { ApolloProvider } from '@apollo/client/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from './apollo';
import { App } from './App';
import { Session } from './session';
import { loadSettings } from './settings';

const root = createRoot(document.getElementById('root')!);
loadSettings().then(
  (settings) => {
    const session = new Session(settings.apiUrl);
    const client = createClient({
      apiUrl: settings.apiUrl,
      renew: () => session.renew(),
      signIn: () => session.signIn(),
      // No replay of what was created while the socket was down: reload the list.
      onReconnected: () => void client.refetchQueries({ include: ['MyOrders'] }),
    });
    root.render(
      <StrictMode>
        <ApolloProvider client={client}>
          <App settings={settings} session={session} />
        </ApolloProvider>
      </StrictMode>,
    );
  },
  (error: unknown) => root.render(<p role="alert">Cannot start: {String(error)}</p>),
);
