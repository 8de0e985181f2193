import { AUTH_FAILED_MESSAGE } from './auth-failure.service';

const REQUEST_ID = '5b1f7a52-8f0e-4b8e-9c31-2f6f0d7f4a10';

/** Example error bodies for Swagger, in the API's one error shape. */
export const ERROR_EXAMPLES = {
  unauthorized: { error: { code: 'unauthorized', message: AUTH_FAILED_MESSAGE, requestId: REQUEST_ID } },
  forbidden: (message: string) => ({ error: { code: 'forbidden', message, requestId: REQUEST_ID } }),
  rateLimited: (message: string) => ({ error: { code: 'rate_limited', message, requestId: REQUEST_ID } }),
  emailTaken: {
    error: {
      code: 'conflict',
      message: 'an account with this email already exists',
      details: { field: 'email' },
      requestId: REQUEST_ID,
    },
  },
  validation: (field: string, message: string) => ({
    error: {
      code: 'validation_failed',
      message: `Invalid ${field}: ${field} ${message}`,
      details: [{ field, message }],
      requestId: REQUEST_ID,
    },
  }),
};
