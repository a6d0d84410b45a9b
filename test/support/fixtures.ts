import { toGlobalId } from '../../src/common/ids';

/**
 * The sample data (data/sample-data.yaml) as tests refer to it: database ids,
 * Relay global ids, and the development passwords of the users. Load it with
 * `app.seed()` or `resetDatabase(app)`; test/kit.e2e-spec.ts checks these
 * match the file.
 */
function user(id: string, username: string, roles: readonly string[]) {
  return {
    id,
    globalId: toGlobalId('User', id),
    username,
    password: `${username}-dev-password`,
    roles,
  } as const;
}

export const USERS = {
  jane: user('1E4Yo11Y3r9a', 'jane01', ['user']),
  john: user('1Eg6d1aFL8s7', 'john01', ['user']),
  admin: user('1Adm1nUs3r01', 'admin01', ['user', 'admin']),
} as const;

export const ITEMS = {
  consumer: {
    id: '1GVl21lq0S8p',
    globalId: toGlobalId('Item', '1GVl21lq0S8p'),
    desc: 'Sample Consumer Item',
  },
  food: {
    id: '1HEOx6FnC7cM',
    globalId: toGlobalId('Item', '1HEOx6FnC7cM'),
    desc: 'Sample Food Item',
  },
} as const;

/** Both of Jane's orders, oldest first; John and the admin have none. */
export const ORDERS = {
  janeFirst: {
    id: '1UtNnZBYUHDx',
    globalId: toGlobalId('UserOrder', '1UtNnZBYUHDx'),
    userId: USERS.jane.id,
  },
  janeSecond: {
    id: '1UvQ2pL8kD3s',
    globalId: toGlobalId('UserOrder', '1UvQ2pL8kD3s'),
    userId: USERS.jane.id,
  },
} as const;

/** A well-formed user id that no sample user has. */
export const UNKNOWN_USER_ID = '1Unkn0wnUs3r';
