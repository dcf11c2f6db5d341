/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: 004f601cc4b78feec941e7fd27cb4e071ccdc5b6 */

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_smtp_send, 0, 3, IS_ARRAY, 0)
	ZEND_ARG_TYPE_MASK(0, to, MAY_BE_STRING|MAY_BE_ARRAY, NULL)
	ZEND_ARG_TYPE_INFO(0, subject, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, message, IS_STRING, 0)
	ZEND_ARG_TYPE_MASK(0, additional_headers, MAY_BE_ARRAY|MAY_BE_STRING, "[]")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, options, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_smtp_send_raw, 0, 3, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, from, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, recipients, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, message, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, options, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_smtp_spool_flush, 0, 0, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, options, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_smtp_spool_status, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_smtp_close, 0, 0, IS_LONG, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_SmtpMail_Exception_getStage, 0, 0, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_SmtpMail_Exception_isTransient, 0, 0, _IS_BOOL, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_SmtpMail_Exception_isPermanent arginfo_class_SmtpMail_Exception_isTransient

#define arginfo_class_SmtpMail_Exception_getEnhancedStatus arginfo_class_SmtpMail_Exception_getStage

#define arginfo_class_SmtpMail_Exception_getTranscript arginfo_class_SmtpMail_Exception_getStage


ZEND_FUNCTION(smtp_send);
ZEND_FUNCTION(smtp_send_raw);
ZEND_FUNCTION(smtp_spool_flush);
ZEND_FUNCTION(smtp_spool_status);
ZEND_FUNCTION(smtp_close);
ZEND_METHOD(SmtpMail_Exception, getStage);
ZEND_METHOD(SmtpMail_Exception, isTransient);
ZEND_METHOD(SmtpMail_Exception, isPermanent);
ZEND_METHOD(SmtpMail_Exception, getEnhancedStatus);
ZEND_METHOD(SmtpMail_Exception, getTranscript);


static const zend_function_entry ext_functions[] = {
	ZEND_FE(smtp_send, arginfo_smtp_send)
	ZEND_FE(smtp_send_raw, arginfo_smtp_send_raw)
	ZEND_FE(smtp_spool_flush, arginfo_smtp_spool_flush)
	ZEND_FE(smtp_spool_status, arginfo_smtp_spool_status)
	ZEND_FE(smtp_close, arginfo_smtp_close)
	ZEND_FE_END
};


static const zend_function_entry class_SmtpMail_Exception_methods[] = {
	ZEND_ME(SmtpMail_Exception, getStage, arginfo_class_SmtpMail_Exception_getStage, ZEND_ACC_PUBLIC)
	ZEND_ME(SmtpMail_Exception, isTransient, arginfo_class_SmtpMail_Exception_isTransient, ZEND_ACC_PUBLIC)
	ZEND_ME(SmtpMail_Exception, isPermanent, arginfo_class_SmtpMail_Exception_isPermanent, ZEND_ACC_PUBLIC)
	ZEND_ME(SmtpMail_Exception, getEnhancedStatus, arginfo_class_SmtpMail_Exception_getEnhancedStatus, ZEND_ACC_PUBLIC)
	ZEND_ME(SmtpMail_Exception, getTranscript, arginfo_class_SmtpMail_Exception_getTranscript, ZEND_ACC_PUBLIC)
	ZEND_FE_END
};


static const zend_function_entry class_SmtpMail_ConnectException_methods[] = {
	ZEND_FE_END
};


static const zend_function_entry class_SmtpMail_TlsException_methods[] = {
	ZEND_FE_END
};


static const zend_function_entry class_SmtpMail_AuthException_methods[] = {
	ZEND_FE_END
};


static const zend_function_entry class_SmtpMail_SenderException_methods[] = {
	ZEND_FE_END
};


static const zend_function_entry class_SmtpMail_RecipientException_methods[] = {
	ZEND_FE_END
};


static const zend_function_entry class_SmtpMail_DataException_methods[] = {
	ZEND_FE_END
};


static const zend_function_entry class_SmtpMail_UnknownOutcomeException_methods[] = {
	ZEND_FE_END
};

static void register_smtpmail_symbols(int module_number)
{

	zend_add_parameter_attribute(zend_hash_str_find_ptr(CG(function_table), "smtp_send", sizeof("smtp_send") - 1), 4, ZSTR_KNOWN(ZEND_STR_SENSITIVEPARAMETER), 0);

	zend_add_parameter_attribute(zend_hash_str_find_ptr(CG(function_table), "smtp_send_raw", sizeof("smtp_send_raw") - 1), 3, ZSTR_KNOWN(ZEND_STR_SENSITIVEPARAMETER), 0);

	zend_add_parameter_attribute(zend_hash_str_find_ptr(CG(function_table), "smtp_spool_flush", sizeof("smtp_spool_flush") - 1), 0, ZSTR_KNOWN(ZEND_STR_SENSITIVEPARAMETER), 0);
}

static zend_class_entry *register_class_SmtpMail_Exception(zend_class_entry *class_entry_RuntimeException)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "SmtpMail", "Exception", class_SmtpMail_Exception_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_RuntimeException);

	zval property_stage_default_value;
	ZVAL_EMPTY_STRING(&property_stage_default_value);
	zend_string *property_stage_name = zend_string_init("stage", sizeof("stage") - 1, 1);
	zend_declare_typed_property(class_entry, property_stage_name, &property_stage_default_value, ZEND_ACC_PROTECTED, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_STRING));
	zend_string_release(property_stage_name);

	zval property_transient_default_value;
	ZVAL_FALSE(&property_transient_default_value);
	zend_string *property_transient_name = zend_string_init("transient", sizeof("transient") - 1, 1);
	zend_declare_typed_property(class_entry, property_transient_name, &property_transient_default_value, ZEND_ACC_PROTECTED, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_BOOL));
	zend_string_release(property_transient_name);

	zval property_enhancedStatus_default_value;
	ZVAL_EMPTY_STRING(&property_enhancedStatus_default_value);
	zend_string *property_enhancedStatus_name = zend_string_init("enhancedStatus", sizeof("enhancedStatus") - 1, 1);
	zend_declare_typed_property(class_entry, property_enhancedStatus_name, &property_enhancedStatus_default_value, ZEND_ACC_PROTECTED, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_STRING));
	zend_string_release(property_enhancedStatus_name);

	zval property_transcript_default_value;
	ZVAL_EMPTY_STRING(&property_transcript_default_value);
	zend_string *property_transcript_name = zend_string_init("transcript", sizeof("transcript") - 1, 1);
	zend_declare_typed_property(class_entry, property_transcript_name, &property_transcript_default_value, ZEND_ACC_PROTECTED, NULL, (zend_type) ZEND_TYPE_INIT_MASK(MAY_BE_STRING));
	zend_string_release(property_transcript_name);

	return class_entry;
}

static zend_class_entry *register_class_SmtpMail_ConnectException(zend_class_entry *class_entry_SmtpMail_Exception)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "SmtpMail", "ConnectException", class_SmtpMail_ConnectException_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_SmtpMail_Exception);

	return class_entry;
}

static zend_class_entry *register_class_SmtpMail_TlsException(zend_class_entry *class_entry_SmtpMail_Exception)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "SmtpMail", "TlsException", class_SmtpMail_TlsException_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_SmtpMail_Exception);

	return class_entry;
}

static zend_class_entry *register_class_SmtpMail_AuthException(zend_class_entry *class_entry_SmtpMail_Exception)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "SmtpMail", "AuthException", class_SmtpMail_AuthException_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_SmtpMail_Exception);

	return class_entry;
}

static zend_class_entry *register_class_SmtpMail_SenderException(zend_class_entry *class_entry_SmtpMail_Exception)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "SmtpMail", "SenderException", class_SmtpMail_SenderException_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_SmtpMail_Exception);

	return class_entry;
}

static zend_class_entry *register_class_SmtpMail_RecipientException(zend_class_entry *class_entry_SmtpMail_Exception)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "SmtpMail", "RecipientException", class_SmtpMail_RecipientException_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_SmtpMail_Exception);

	return class_entry;
}

static zend_class_entry *register_class_SmtpMail_DataException(zend_class_entry *class_entry_SmtpMail_Exception)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "SmtpMail", "DataException", class_SmtpMail_DataException_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_SmtpMail_Exception);

	return class_entry;
}

static zend_class_entry *register_class_SmtpMail_UnknownOutcomeException(zend_class_entry *class_entry_SmtpMail_DataException)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "SmtpMail", "UnknownOutcomeException", class_SmtpMail_UnknownOutcomeException_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_SmtpMail_DataException);

	return class_entry;
}
