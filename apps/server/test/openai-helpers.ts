import OpenAI from 'openai';
import { expect } from 'vitest';

/** The `openai` client's error for a request the server refused (failing the test if it was answered). */
export async function refusal(request: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = (await request.then(
    () => null,
    (e: unknown) => e,
  )) as InstanceType<typeof OpenAI.APIError> | null;
  expect(error, 'expected the request to be refused').toBeInstanceOf(OpenAI.APIError);
  return error!;
}
